using System.Globalization;
using System.Text;
using System.Xml;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>
/// Reads the flat &lt;xml&gt; documents WeChat pushes. DTDs are refused (no entity expansion, no
/// external resolution: the 2018 XXE lesson), the document size is capped, and nothing throws:
/// every failure is a <see cref="PushRejection"/>.
/// </summary>
public static class PushXml
{
    private const int MaxFields = 64;

    public static Dictionary<string, string>? ReadFields(string xml, int maxChars, out PushRejection rejection)
    {
        rejection = PushRejection.None;
        if (xml.Length > maxChars) { rejection = PushRejection.BodyTooLarge; return null; }
        if (xml.Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase) || xml.Contains("<!ENTITY", StringComparison.OrdinalIgnoreCase))
        {
            rejection = PushRejection.ForbiddenDtd;
            return null;
        }
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxChars,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = true,
        };
        try
        {
            // Streamed, not loaded into a tree: pushes arrive thousands a second.
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "xml" || reader.NamespaceURI.Length != 0)
            {
                rejection = PushRejection.MalformedXml;
                return null;
            }
            var fields = new Dictionary<string, string>(16, StringComparer.Ordinal);
            if (!reader.IsEmptyElement)
            {
                reader.Read();
                while (reader.MoveToContent() == XmlNodeType.Element)
                {
                    if (fields.Count >= MaxFields) { rejection = PushRejection.MalformedXml; return null; }
                    ReadElement(reader, fields, prefix: null);
                }
                if (reader.NodeType != XmlNodeType.EndElement) { rejection = PushRejection.MalformedXml; return null; }
            }
            // Nothing but whitespace and comments may follow the root.
            while (reader.Read())
                if (reader.NodeType is not (XmlNodeType.Whitespace or XmlNodeType.Comment or XmlNodeType.EndElement))
                {
                    rejection = PushRejection.MalformedXml;
                    return null;
                }
            return fields;
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase))
        {
            rejection = PushRejection.ForbiddenDtd;
            return null;
        }
        catch (XmlException)
        {
            rejection = PushRejection.MalformedXml;
            return null;
        }
    }

    /// <summary>
    /// Reads one element: its text into fields[name]; with child elements instead, each child's text
    /// into fields["name.child"] (one level: ScanCodeInfo.ScanResult, SendLocationInfo.Label, ...);
    /// anything deeper is skipped whole.
    /// </summary>
    private static void ReadElement(XmlReader reader, Dictionary<string, string> fields, string? prefix)
    {
        var name = prefix is null ? reader.LocalName : prefix + "." + reader.LocalName;
        if (reader.IsEmptyElement)
        {
            fields[name] = "";
            reader.Read();
            return;
        }
        reader.Read();
        string? text = null;
        var hasChildren = false;
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    text = text is null ? reader.Value : text + reader.Value;
                    reader.Read();
                    break;
                case XmlNodeType.Element:
                    hasChildren = true;
                    if (prefix is null && fields.Count < MaxFields) ReadElement(reader, fields, name);
                    else reader.Skip();
                    break;
                case XmlNodeType.EndElement:
                    if (!hasChildren) fields[name] = text ?? "";
                    reader.Read();
                    return;
                case XmlNodeType.None:
                    throw new XmlException("Unexpected end of document.");
                default:
                    reader.Read();
                    break;
            }
        }
    }

    /// <summary>Maps the fields of a decrypted or plaintext push to a typed message.</summary>
    public static InboundMessage? ToMessage(IReadOnlyDictionary<string, string> f, out PushRejection rejection)
    {
        rejection = PushRejection.MalformedXml;
        string S(string name) => f.TryGetValue(name, out var v) ? v.Trim() : "";
        var to = S("ToUserName");
        var from = S("FromUserName");
        var type = S("MsgType");
        if (to.Length == 0 || from.Length == 0 || type.Length == 0) return null;
        if (!long.TryParse(S("CreateTime"), NumberStyles.None, CultureInfo.InvariantCulture, out var created)) return null;
        rejection = PushRejection.None;

        if (type == "event")
        {
            var ev = S("Event");
            var key = f.TryGetValue("EventKey", out var k) ? k : null;
            var ticket = f.TryGetValue("Ticket", out var t) ? t : null;
            switch (ev)
            {
                case "subscribe":
                    return new SubscribeEvent(to, from, created,
                        key is not null && key.StartsWith("qrscene_", StringComparison.Ordinal) ? key["qrscene_".Length..] : null, ticket);
                case "unsubscribe":
                    return new UnsubscribeEvent(to, from, created);
                case "SCAN":
                    return new QrSceneEvent(to, from, created, key ?? "", ticket);
                case "CLICK":
                    return new MenuClickEvent(to, from, created, key ?? "");
                case "VIEW":
                    return new MenuViewEvent(to, from, created, key ?? "");
                case "scancode_push" or "scancode_waitmsg":
                    return new ScanCodeEvent(to, from, created, ev, key ?? "", S("ScanCodeInfo.ScanType"),
                        f.TryGetValue("ScanCodeInfo.ScanResult", out var r) ? r : "");
                case "LOCATION":
                    return new LocationEvent(to, from, created, Num(S("Latitude")), Num(S("Longitude")), Num(S("Precision")));
                default:
                    if (ev.Length == 0) { rejection = PushRejection.MalformedXml; return null; }
                    return new OtherEvent(to, from, created, ev, key);
            }
        }

        if (!long.TryParse(S("MsgId"), NumberStyles.None, CultureInfo.InvariantCulture, out var msgId)) { rejection = PushRejection.MalformedXml; return null; }
        return type switch
        {
            "text" => new TextMessage(to, from, created, msgId, f.TryGetValue("Content", out var c) ? c : ""),
            "image" => new ImageMessage(to, from, created, msgId, S("PicUrl"), S("MediaId")),
            "location" => new LocationMessage(to, from, created, msgId, Num(S("Location_X")), Num(S("Location_Y")),
                int.TryParse(S("Scale"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale) ? scale : 0, S("Label")),
            _ => new OtherMessage(to, from, created, msgId, type),
        };
    }

    private static double Num(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    /// <summary>Text as CDATA; a "]]&gt;" inside is split across two sections.</summary>
    public static void AppendCData(StringBuilder sb, string name, string value) =>
        sb.Append('<').Append(name).Append("><![CDATA[").Append(value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal))
          .Append("]]></").Append(name).Append('>');
}
