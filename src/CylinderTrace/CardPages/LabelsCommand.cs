using CylinderTrace.Platform.Commands;

namespace CylinderTrace.CardPages;

/// <summary>
/// `labels (--codes A,B,… | --from CODE --to CODE) --out PATH [--format html|svg|png] [--hotline N]`: label sheets from the
/// command line, for any registered cylinder (whoever runs the host's commands stands where a city administrator stands).
/// html writes one print page to PATH; svg and png write one file per cylinder into the folder PATH.
/// </summary>
public static class LabelsCommand
{
    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("labels", "QR label sheets for registered cylinders: one print page (html) or a file per cylinder (svg, png).");
        var codes = new System.CommandLine.Option<string?>("--codes") { Description = "The cylinders' codes, comma-separated.", HelpName = "FZ0000000001,FZ0000000002" };
        var from = new System.CommandLine.Option<string?>("--from") { Description = "First code of a range (with --to).", HelpName = "CODE" };
        var to = new System.CommandLine.Option<string?>("--to") { Description = "Last code of a range.", HelpName = "CODE" };
        var output = new System.CommandLine.Option<string>("--out") { Description = "html: the page to write; svg, png: the folder to write into.", Required = true, HelpName = "PATH" };
        var format = new System.CommandLine.Option<string>("--format") { Description = "html (a print page), svg or png.", DefaultValueFactory = _ => "html" };
        format.AcceptOnlyFromAmong("html", "svg", "png");
        var hotline = new System.CommandLine.Option<string?>("--hotline") { Description = "The complaint hotline printed on the label, e.g. 12345." };
        foreach (var option in new System.CommandLine.Option[] { codes, from, to, output, format, hotline }) command.Add(option);
        command.Validators.Add(r =>
        {
            if (r.GetValue(codes) is not null == (r.GetValue(from) is not null || r.GetValue(to) is not null))
                r.AddError("Give either --codes or --from and --to.");
        });
        command.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run, run.Value(codes), run.Value(from), run.Value(to), run.Value(output)!,
            run.Value(format)!, run.Value(hotline), ct)));
        return command;
    }

    private static async Task<int> RunAsync(CommandRun run, string? list, string? from, string? to, string output, string format, string? hotline, CancellationToken ct)
    {
        var services = run.Services;
        var selection = new LabelSelection(list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), from, to, hotline);
        var sheets = services.GetRequiredService<LabelSheets>();
        var outcome = await sheets.ResolveAsync(selection, _ => ValueTask.FromResult(true), ct);
        if (!outcome.Ok)
        {
            run.Err.WriteLine(outcome.Message);
            return 1;
        }
        if (format == "png" && LabelPng.FontMissing)
        {
            run.Err.WriteLine(LabelPng.FontMissingMessage);
            return 1;
        }
        if (format == "html")
        {
            await File.WriteAllTextAsync(output, sheets.SheetHtml(outcome.Labels), ct);
            run.Out.WriteLine($"{outcome.Labels.Count} labels written to {output} (print at 100%, no margins, on {services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CardPageOptions>>().Value.LabelWidthMm} mm stock).");
            return 0;
        }
        Directory.CreateDirectory(output);
        foreach (var label in outcome.Labels)
        {
            var path = Path.Combine(output, label.Code + "." + format);
            if (format == "svg") await File.WriteAllTextAsync(path, sheets.LabelSvg(label), ct);
            else await File.WriteAllBytesAsync(path, sheets.LabelPng(label), ct);
        }
        run.Out.WriteLine($"{outcome.Labels.Count} {format} files written to {output}.");
        return 0;
    }
}
