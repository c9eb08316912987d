package io.splitstream.pipeline.report;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A run's report as one self-contained HTML page: the summary table and inline SVG plots drawn
 * here (nothing is fetched from anywhere): the latency CDF, throughput and p99 latency over time
 * with plan switches marked, frames shed over time, and per-stream latency. Stateless.
 */
public final class HtmlReport {
  private static final int W = 760;
  private static final int H = 240;
  private static final int L = 60;
  private static final int R = 20;
  private static final int T = 20;
  private static final int B = 36;

  private HtmlReport() {}

  /** Writes the page for {@code r}. @throws SplitstreamException when the file cannot be written */
  public static void write(RunReport r, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, render(r));
    } catch (IOException e) {
      throw new SplitstreamException("cannot write the HTML report " + file + ": " + e.getMessage()
          + "; choose a writable path for --html", e);
    }
  }

  /** The page's text. */
  public static String render(RunReport r) {
    RunDetail d = r.detail();
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Splitstream run: ")
        .append(esc(r.model())).append("</title>\n<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}"
            + "pre{background:#f5f5f5;padding:1em;overflow-x:auto;font-size:12px}h2{font-size:1.1em;margin-top:1.6em}"
            + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
            + "svg text{font-size:11px}</style></head><body>\n");
    b.append("<h1>").append(esc(r.model())).append(" on ").append(esc(r.platform())).append("</h1>\n<p>")
        .append(r.simulated() ? "Simulated (virtual time)" : "Real time")
        .append(r.emulated() ? "; emulated processors: every time is the SoC profile's, not a hardware measurement" : "")
        .append(".</p>\n<h2>Summary</h2>\n<pre>").append(esc(r.render())).append("</pre>\n");
    b.append("<h2>Latency CDF (completed frames)</h2>\n");
    b.append(plot(List.of(new Line(d.latencyCdf(), "#1f77b4")), "latency ms", "fraction", List.of(), 1.0));
    RunDetail.Series s = d.series();
    List<double[]> fps = new ArrayList<>();
    List<double[]> p99 = new ArrayList<>();
    List<double[]> shed = new ArrayList<>();
    for (int i = 0; i < s.completedFps().size(); i++) {
      double t = (i + 0.5) * s.bucketSeconds();
      fps.add(new double[] {t, s.completedFps().get(i)});
      p99.add(new double[] {t, s.p99Ms().get(i)});
      shed.add(new double[] {t, s.shed().get(i)});
    }
    String switches = s.switchesAtSeconds().isEmpty() ? "" : " (dashed: plan switches)";
    b.append("<h2>Throughput over time").append(switches).append("</h2>\n")
        .append(plot(List.of(new Line(fps, "#2ca02c")), "time s", "frames/s", s.switchesAtSeconds(), Double.NaN));
    b.append("<h2>p99 latency over time").append(switches).append("</h2>\n")
        .append(plot(List.of(new Line(p99, "#d62728")), "time s", "p99 ms", s.switchesAtSeconds(), Double.NaN));
    b.append(String.format(Locale.ROOT, "<h2>Frames shed per %.1f s</h2>%n", s.bucketSeconds()))
        .append(plot(List.of(new Line(shed, "#ff7f0e")), "time s", "shed", s.switchesAtSeconds(), Double.NaN));
    b.append("<h2>Per stream</h2>\n").append(streamBars(d.streams()));
    b.append("<table><tr><th>stream</th><th>offered</th><th>completed</th><th>shed</th><th>failed</th><th>fps</th>"
        + "<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>order</th></tr>\n");
    for (RunDetail.StreamReport x : d.streams()) {
      b.append(String.format(Locale.ROOT,
          "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%s</td></tr>%n",
          esc(x.stream()), x.offered(), x.completed(), x.shed(), x.failed(), x.throughputFps(), x.p50Ms(), x.p90Ms(),
          x.p99Ms(), x.maxMs(), x.orderKept() ? "kept" : "VIOLATED"));
    }
    b.append("</table>\n</body></html>\n");
    return b.toString();
  }

  private record Line(List<double[]> points, String colour) {}

  /** A line plot with axes, ticks and optional vertical markers; {@code yMax} NaN scales to the data. */
  private static String plot(List<Line> lines, String xLabel, String yLabel, List<Double> markers, double yMax) {
    double x0 = Double.MAX_VALUE;
    double x1 = -Double.MAX_VALUE;
    double y1 = 0;
    for (Line l : lines) {
      for (double[] p : l.points()) {
        x0 = Math.min(x0, p[0]);
        x1 = Math.max(x1, p[0]);
        y1 = Math.max(y1, p[1]);
      }
    }
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
        .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\">");
    if (x0 > x1) {
      return b.append("<text x=\"").append(L).append("\" y=\"").append(H / 2).append("\">no data</text></svg>\n").toString();
    }
    if (x1 == x0) {
      x1 = x0 + 1;
    }
    x0 = Math.min(0, x0);
    double ym = Double.isNaN(yMax) ? niceCeil(y1 == 0 ? 1 : y1 * 1.05) : yMax;
    double fx0 = x0;
    double fx1 = x1;
    java.util.function.DoubleUnaryOperator sx = v -> L + (v - fx0) / (fx1 - fx0) * (W - L - R);
    java.util.function.DoubleUnaryOperator sy = v -> H - B - v / ym * (H - T - B);
    b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>",
        L, T, W - L - R, H - T - B));
    for (int i = 0; i <= 4; i++) {
      double yv = ym * i / 4;
      double y = sy.applyAsDouble(yv);
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", L, W - R, y, y, L - 4, y + 4, num(yv)));
      double xv = x0 + (x1 - x0) * i / 4;
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
          sx.applyAsDouble(xv), H - B + 14, num(xv)));
    }
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>"
        + "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>",
        (W + L - R) / 2, H - 4, esc(xLabel), (H - B + T) / 2, (H - B + T) / 2, esc(yLabel)));
    for (double m : markers) {
      double x = sx.applyAsDouble(m);
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>",
          x, x, T, H - B));
    }
    for (Line l : lines) {
      StringBuilder pts = new StringBuilder();
      for (double[] p : l.points()) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.applyAsDouble(p[0]), sy.applyAsDouble(Math.min(p[1], ym))));
      }
      b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(l.colour()).append("\" points=\"")
          .append(pts.toString().trim()).append("\"/>");
    }
    return b.append("</svg>\n").toString();
  }

  /** Per-stream p50 and p99 latency as paired horizontal bars. */
  private static String streamBars(List<RunDetail.StreamReport> streams) {
    if (streams.isEmpty()) {
      return "<p>no frames</p>\n";
    }
    double max = niceCeil(Math.max(1e-3, streams.stream().mapToDouble(RunDetail.StreamReport::p99Ms).max().orElse(1)));
    int row = 16;
    int h = T + streams.size() * row + B;
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(h).append("\">");
    int x0 = 90;
    int width = W - x0 - R - 60;
    for (int i = 0; i < streams.size(); i++) {
      RunDetail.StreamReport s = streams.get(i);
      int y = T + i * row;
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
          + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#d62728\"/>"
          + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#1f77b4\"/>"
          + "<text x=\"%.1f\" y=\"%d\">%s ms</text>",
          x0 - 6, y + 11, esc(s.stream()), x0, y + 1, s.p99Ms() / max * width, x0, y + 7, s.p50Ms() / max * width,
          x0 + s.p99Ms() / max * width + 4, y + 9, num(s.p99Ms())));
    }
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">blue: p50, red: p99 (scale 0 to %s ms)</text></svg>%n",
        x0, h - 10, num(max)));
    return b.toString();
  }

  private static double niceCeil(double v) {
    double e = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * e >= v) {
        return m * e;
      }
    }
    return 10 * e;
  }

  private static String num(double v) {
    return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
