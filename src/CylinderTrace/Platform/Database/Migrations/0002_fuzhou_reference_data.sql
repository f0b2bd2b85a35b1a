-- 0002 reference data: Fuzhou's districts (GB/T 2260 codes) and the agencies of each kind,
-- city level and per district/county. INSERT IGNORE keeps the script safe to re-run.

INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES
  ('350100', '福州市', 'city', NULL, 26.074508, 119.296494),
  ('350102', '鼓楼区', 'district', '350100', 26.082284, 119.29029),
  ('350103', '台江区', 'district', '350100', 26.058616, 119.310156),
  ('350104', '仓山区', 'district', '350100', 26.038912, 119.320988),
  ('350105', '马尾区', 'district', '350100', 25.991975, 119.458725),
  ('350111', '晋安区', 'district', '350100', 26.078837, 119.328597),
  ('350112', '长乐区', 'district', '350100', 25.960583, 119.510849),
  ('350121', '闽侯县', 'county', '350100', 26.148567, 119.145117),
  ('350122', '连江县', 'county', '350100', 26.202109, 119.538365),
  ('350123', '罗源县', 'county', '350100', 26.487234, 119.552645),
  ('350124', '闽清县', 'county', '350100', 26.223793, 118.868416),
  ('350125', '永泰县', 'county', '350100', 25.864825, 118.939089),
  ('350128', '平潭县', 'county', '350100', 25.503672, 119.791197),
  ('350181', '福清市', 'county', '350100', 25.720402, 119.376992);

INSERT IGNORE INTO agencies (code, name, kind, district_code, parent_id) VALUES
  ('gas-350100', '福州市城乡建设局（燃气管理处）', 'gas_authority', '350100', NULL),
  ('market-350100', '福州市市场监督管理局', 'market_supervision', '350100', NULL),
  ('police-350100', '福州市公安局', 'police', '350100', NULL),
  ('transport-350100', '福州市交通运输局', 'transport', '350100', NULL),
  ('emergency-350100', '福州市应急管理局（市安委会办公室）', 'emergency_management', '350100', NULL),
  ('fire-350100', '福州市消防救援支队', 'fire', '350100', NULL);

INSERT IGNORE INTO agencies (code, name, kind, district_code, parent_id)
SELECT a.code, a.name, a.kind, a.district_code, p.id FROM (
  SELECT 'gas-350102' AS code, '鼓楼区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350102' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350102' AS code, '鼓楼区市场监督管理局' AS name, 'market_supervision' AS kind, '350102' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350102' AS code, '福州市公安局鼓楼区分局' AS name, 'police' AS kind, '350102' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350102' AS code, '鼓楼区交通运输局' AS name, 'transport' AS kind, '350102' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350102' AS code, '鼓楼区应急管理局' AS name, 'emergency_management' AS kind, '350102' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350102' AS code, '鼓楼区消防救援大队' AS name, 'fire' AS kind, '350102' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350103' AS code, '台江区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350103' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350103' AS code, '台江区市场监督管理局' AS name, 'market_supervision' AS kind, '350103' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350103' AS code, '福州市公安局台江区分局' AS name, 'police' AS kind, '350103' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350103' AS code, '台江区交通运输局' AS name, 'transport' AS kind, '350103' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350103' AS code, '台江区应急管理局' AS name, 'emergency_management' AS kind, '350103' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350103' AS code, '台江区消防救援大队' AS name, 'fire' AS kind, '350103' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350104' AS code, '仓山区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350104' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350104' AS code, '仓山区市场监督管理局' AS name, 'market_supervision' AS kind, '350104' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350104' AS code, '福州市公安局仓山区分局' AS name, 'police' AS kind, '350104' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350104' AS code, '仓山区交通运输局' AS name, 'transport' AS kind, '350104' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350104' AS code, '仓山区应急管理局' AS name, 'emergency_management' AS kind, '350104' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350104' AS code, '仓山区消防救援大队' AS name, 'fire' AS kind, '350104' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350105' AS code, '马尾区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350105' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350105' AS code, '马尾区市场监督管理局' AS name, 'market_supervision' AS kind, '350105' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350105' AS code, '福州市公安局马尾区分局' AS name, 'police' AS kind, '350105' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350105' AS code, '马尾区交通运输局' AS name, 'transport' AS kind, '350105' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350105' AS code, '马尾区应急管理局' AS name, 'emergency_management' AS kind, '350105' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350105' AS code, '马尾区消防救援大队' AS name, 'fire' AS kind, '350105' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350111' AS code, '晋安区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350111' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350111' AS code, '晋安区市场监督管理局' AS name, 'market_supervision' AS kind, '350111' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350111' AS code, '福州市公安局晋安区分局' AS name, 'police' AS kind, '350111' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350111' AS code, '晋安区交通运输局' AS name, 'transport' AS kind, '350111' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350111' AS code, '晋安区应急管理局' AS name, 'emergency_management' AS kind, '350111' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350111' AS code, '晋安区消防救援大队' AS name, 'fire' AS kind, '350111' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350112' AS code, '长乐区住房和城乡建设局' AS name, 'gas_authority' AS kind, '350112' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350112' AS code, '长乐区市场监督管理局' AS name, 'market_supervision' AS kind, '350112' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350112' AS code, '福州市公安局长乐区分局' AS name, 'police' AS kind, '350112' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350112' AS code, '长乐区交通运输局' AS name, 'transport' AS kind, '350112' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350112' AS code, '长乐区应急管理局' AS name, 'emergency_management' AS kind, '350112' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350112' AS code, '长乐区消防救援大队' AS name, 'fire' AS kind, '350112' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350121' AS code, '闽侯县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350121' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350121' AS code, '闽侯县市场监督管理局' AS name, 'market_supervision' AS kind, '350121' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350121' AS code, '闽侯县公安局' AS name, 'police' AS kind, '350121' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350121' AS code, '闽侯县交通运输局' AS name, 'transport' AS kind, '350121' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350121' AS code, '闽侯县应急管理局' AS name, 'emergency_management' AS kind, '350121' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350121' AS code, '闽侯县消防救援大队' AS name, 'fire' AS kind, '350121' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350122' AS code, '连江县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350122' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350122' AS code, '连江县市场监督管理局' AS name, 'market_supervision' AS kind, '350122' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350122' AS code, '连江县公安局' AS name, 'police' AS kind, '350122' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350122' AS code, '连江县交通运输局' AS name, 'transport' AS kind, '350122' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350122' AS code, '连江县应急管理局' AS name, 'emergency_management' AS kind, '350122' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350122' AS code, '连江县消防救援大队' AS name, 'fire' AS kind, '350122' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350123' AS code, '罗源县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350123' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350123' AS code, '罗源县市场监督管理局' AS name, 'market_supervision' AS kind, '350123' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350123' AS code, '罗源县公安局' AS name, 'police' AS kind, '350123' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350123' AS code, '罗源县交通运输局' AS name, 'transport' AS kind, '350123' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350123' AS code, '罗源县应急管理局' AS name, 'emergency_management' AS kind, '350123' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350123' AS code, '罗源县消防救援大队' AS name, 'fire' AS kind, '350123' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350124' AS code, '闽清县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350124' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350124' AS code, '闽清县市场监督管理局' AS name, 'market_supervision' AS kind, '350124' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350124' AS code, '闽清县公安局' AS name, 'police' AS kind, '350124' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350124' AS code, '闽清县交通运输局' AS name, 'transport' AS kind, '350124' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350124' AS code, '闽清县应急管理局' AS name, 'emergency_management' AS kind, '350124' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350124' AS code, '闽清县消防救援大队' AS name, 'fire' AS kind, '350124' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350125' AS code, '永泰县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350125' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350125' AS code, '永泰县市场监督管理局' AS name, 'market_supervision' AS kind, '350125' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350125' AS code, '永泰县公安局' AS name, 'police' AS kind, '350125' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350125' AS code, '永泰县交通运输局' AS name, 'transport' AS kind, '350125' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350125' AS code, '永泰县应急管理局' AS name, 'emergency_management' AS kind, '350125' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350125' AS code, '永泰县消防救援大队' AS name, 'fire' AS kind, '350125' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350128' AS code, '平潭县住房和城乡建设局' AS name, 'gas_authority' AS kind, '350128' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350128' AS code, '平潭县市场监督管理局' AS name, 'market_supervision' AS kind, '350128' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350128' AS code, '平潭县公安局' AS name, 'police' AS kind, '350128' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350128' AS code, '平潭县交通运输局' AS name, 'transport' AS kind, '350128' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350128' AS code, '平潭县应急管理局' AS name, 'emergency_management' AS kind, '350128' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350128' AS code, '平潭县消防救援大队' AS name, 'fire' AS kind, '350128' AS district_code, 'fire-350100' AS parent_code
  UNION ALL
  SELECT 'gas-350181' AS code, '福清市住房和城乡建设局' AS name, 'gas_authority' AS kind, '350181' AS district_code, 'gas-350100' AS parent_code
  UNION ALL
  SELECT 'market-350181' AS code, '福清市市场监督管理局' AS name, 'market_supervision' AS kind, '350181' AS district_code, 'market-350100' AS parent_code
  UNION ALL
  SELECT 'police-350181' AS code, '福清市公安局' AS name, 'police' AS kind, '350181' AS district_code, 'police-350100' AS parent_code
  UNION ALL
  SELECT 'transport-350181' AS code, '福清市交通运输局' AS name, 'transport' AS kind, '350181' AS district_code, 'transport-350100' AS parent_code
  UNION ALL
  SELECT 'emergency-350181' AS code, '福清市应急管理局' AS name, 'emergency_management' AS kind, '350181' AS district_code, 'emergency-350100' AS parent_code
  UNION ALL
  SELECT 'fire-350181' AS code, '福清市消防救援大队' AS name, 'fire' AS kind, '350181' AS district_code, 'fire-350100' AS parent_code
) a JOIN agencies p ON p.code = a.parent_code;
