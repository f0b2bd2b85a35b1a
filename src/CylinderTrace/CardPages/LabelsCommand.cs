using CylinderTrace.Platform.Commands;

namespace CylinderTrace.CardPages;

/// <summary>
/// `labels (--codes A,B,… | --from CODE --to CODE) --out PATH [--format html|svg|png] [--hotline N]`: label sheets from the
/// command line, for any registered cylinder (whoever runs the host's commands stands where a city administrator stands).
/// html writes one print page to PATH; svg and png write one file per cylinder into the folder PATH.
/// </summary>
public static class LabelsCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var output = CommandLine.Option(args, "out");
        var format = CommandLine.Option(args, "format") ?? "html";
        var list = CommandLine.Option(args, "codes");
        if (output is null || format is not ("html" or "svg" or "png"))
        {
            Console.Error.WriteLine("Usage: labels (--codes FZ0000000001,FZ0000000002 | --from FZ0000000001 --to FZ0000000500) --out PATH [--format html|svg|png] [--hotline 12345]");
            return 1;
        }
        var selection = new LabelSelection(list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            CommandLine.Option(args, "from"), CommandLine.Option(args, "to"), CommandLine.Option(args, "hotline"));
        var sheets = services.GetRequiredService<LabelSheets>();
        var outcome = await sheets.ResolveAsync(selection, _ => ValueTask.FromResult(true), ct);
        if (!outcome.Ok)
        {
            Console.Error.WriteLine(outcome.Message);
            return 1;
        }
        if (format == "html")
        {
            await File.WriteAllTextAsync(output, sheets.SheetHtml(outcome.Labels), ct);
            Console.WriteLine($"{outcome.Labels.Count} labels written to {output} (print at 100%, no margins, on {services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CardPageOptions>>().Value.LabelWidthMm} mm stock).");
            return 0;
        }
        Directory.CreateDirectory(output);
        foreach (var label in outcome.Labels)
        {
            var path = Path.Combine(output, label.Code + "." + format);
            if (format == "svg") await File.WriteAllTextAsync(path, sheets.LabelSvg(label), ct);
            else await File.WriteAllBytesAsync(path, LabelSheets.QrPng(label.Url), ct);
        }
        Console.WriteLine($"{outcome.Labels.Count} {format} files written to {output}.");
        return 0;
    }
}
