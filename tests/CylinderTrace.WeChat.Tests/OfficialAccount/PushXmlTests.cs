using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.WeChat.Tests.OfficialAccount;

/// <summary>Every inbound message and event type of WECHAT.md §1 maps to its typed record.</summary>
public sealed class PushXmlTests
{
    private static InboundMessage Parse(string inner)
    {
        var xml = "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime>" + inner + "</xml>";
        var fields = PushXml.ReadFields(xml, 65536, out var r) ?? throw new Xunit.Sdk.XunitException("refused: " + r);
        return PushXml.ToMessage(fields, out _) ?? throw new Xunit.Sdk.XunitException("not a message");
    }

    [Fact]
    public void Text() =>
        Assert.Equal(new TextMessage("gh_abc", "oUser", 1700000000, 1234567890123456, " FZ0000000001 "),
            Parse("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ FZ0000000001 ]]></Content><MsgId>1234567890123456</MsgId>"));

    [Fact]
    public void Image() =>
        Assert.Equal(new ImageMessage("gh_abc", "oUser", 1700000000, 42, "http://p/1.jpg", "media1"),
            Parse("<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://p/1.jpg]]></PicUrl><MediaId><![CDATA[media1]]></MediaId><MsgId>42</MsgId>"));

    [Fact]
    public void Location() =>
        Assert.Equal(new LocationMessage("gh_abc", "oUser", 1700000000, 43, 26.08, 119.29, 15, "福州市鼓楼区"),
            Parse("<MsgType><![CDATA[location]]></MsgType><Location_X>26.08</Location_X><Location_Y>119.29</Location_Y><Scale>15</Scale><Label><![CDATA[福州市鼓楼区]]></Label><MsgId>43</MsgId>"));

    [Fact]
    public void Other_message_types_are_kept() =>
        Assert.Equal(new OtherMessage("gh_abc", "oUser", 1700000000, 44, "voice"), Parse("<MsgType><![CDATA[voice]]></MsgType><MsgId>44</MsgId>"));

    [Fact]
    public void Subscribe_plain_and_through_a_parametric_qr()
    {
        Assert.Equal(new SubscribeEvent("gh_abc", "oUser", 1700000000, null, null),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"));
        Assert.Equal(new SubscribeEvent("gh_abc", "oUser", 1700000000, "FZ0000000001", "TICKET"),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_FZ0000000001]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>"));
    }

    [Fact]
    public void Unsubscribe_scan_click_view_location()
    {
        Assert.IsType<UnsubscribeEvent>(Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event>"));
        Assert.Equal(new QrSceneEvent("gh_abc", "oUser", 1700000000, "FZ0000000002", "T"),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[FZ0000000002]]></EventKey><Ticket><![CDATA[T]]></Ticket>"));
        Assert.Equal(new MenuClickEvent("gh_abc", "oUser", 1700000000, "MY_COMPLAINTS"),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[MY_COMPLAINTS]]></EventKey>"));
        Assert.Equal(new MenuViewEvent("gh_abc", "oUser", 1700000000, "https://example.com/"),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://example.com/]]></EventKey>"));
        Assert.Equal(new LocationEvent("gh_abc", "oUser", 1700000000, 26.1, 119.3, 65.0),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>26.1</Latitude><Longitude>119.3</Longitude><Precision>65.000000</Precision>"));
        Assert.Equal(new OtherEvent("gh_abc", "oUser", 1700000000, "TEMPLATESENDJOBFINISH", null),
            Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><Status><![CDATA[success]]></Status>"));
    }

    [Fact]
    public void Scan_buttons_push_and_waitmsg()
    {
        var push = Assert.IsType<ScanCodeEvent>(Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey><ScanCodeInfo><ScanType><![CDATA[barcode]]></ScanType><ScanResult><![CDATA[EAN_13,6901234567892]]></ScanResult></ScanCodeInfo>"));
        Assert.False(push.WaitsForReply);
        Assert.Equal("barcode", push.ScanType);
        var wait = Assert.IsType<ScanCodeEvent>(Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[FZ0000000001]]></ScanResult></ScanCodeInfo>"));
        Assert.True(wait.WaitsForReply);
        Assert.Equal("FZ0000000001", wait.ScanResult);
    }

    [Fact]
    public void Nested_lists_it_does_not_use_are_skipped_not_refused() =>
        Assert.IsType<OtherEvent>(Parse("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_sysphoto]]></Event><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>x</PicMd5Sum></item></PicList></SendPicsInfo>"));

    [Theory]
    [InlineData("<MsgType>text</MsgType><Content>x</Content>")]                 // no MsgId
    [InlineData("<MsgType>text</MsgType><MsgId>-1</MsgId>")]
    [InlineData("<MsgType>event</MsgType>")]                                     // no Event
    public void Incomplete_messages_are_refused(string inner)
    {
        var fields = PushXml.ReadFields("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>" + inner + "</xml>", 65536, out _)!;
        Assert.Null(PushXml.ToMessage(fields, out var r));
        Assert.Equal(PushRejection.MalformedXml, r);
    }

    [Fact]
    public void Entity_expansion_is_refused_before_it_expands()
    {
        var billionLaughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><xml><Content>&lol2;</Content></xml>";
        Assert.Null(PushXml.ReadFields(billionLaughs, 65536, out var r));
        Assert.Equal(PushRejection.ForbiddenDtd, r);
    }

    [Fact]
    public void Replies_escape_cdata_and_cap_text_at_2048_bytes()
    {
        var reply = Reply.Text("oUser", "gh_abc", 1, "a]]>b" + new string('气', 1000));
        var fields = PushXml.ReadFields(reply, 65536, out _)!;
        Assert.StartsWith("a]]>b", fields["Content"]);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(fields["Content"]) <= Reply.MaxTextBytes);
        Assert.EndsWith("…", fields["Content"]);
        var news = PushXml.ReadFields(Reply.News("oUser", "gh_abc", 1, new NewsArticle("标题", "描述", "https://x/y")), 65536, out _)!;
        Assert.Equal("news", news["MsgType"]);
        Assert.Equal("1", news["ArticleCount"]);
    }
}
