package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream snapshot}: renders a run's live page to a PNG with headless chromium, for
 * people who want to look without a browser (over ssh, in a report).
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Render a running run's live page to a PNG with headless chromium (nothing is fetched from elsewhere).",
      "Start a run first, e.g. ./splitstream run --duration 2m, then: ./splitstream snapshot --out page.png"
    })
final class SnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9464/", description = "the live page (default: ${DEFAULT-VALUE})")
  String url;

  @Option(names = "--out", required = true, description = "the PNG to write")
  Path out;

  @Option(names = "--wait", defaultValue = "2s", converter = Converters.DurationConverter.class,
      description = "how long, in the page's virtual time, it may draw before the picture is taken (default: ${DEFAULT-VALUE})")
  Duration waitFor;

  @Option(names = "--size", defaultValue = "1400x1200", description = "window size WIDTHxHEIGHT in pixels (default: ${DEFAULT-VALUE})")
  String size;

  @Option(names = "--chromium", defaultValue = "/usr/bin/chromium", description = "the chromium binary (default: ${DEFAULT-VALUE})")
  Path chromium;

  @Override
  public Integer call() throws IOException, InterruptedException {
    URI page = checkUrl(url);
    String[] wh = size.toLowerCase(java.util.Locale.ROOT).split("x");
    if (wh.length != 2 || !wh[0].matches("\\d{3,4}") || !wh[1].matches("\\d{3,5}")) {
      throw new SplitstreamException("--size '" + size + "' is not WIDTHxHEIGHT: give e.g. --size 1400x1200");
    }
    if (waitFor.isNegative() || waitFor.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new SplitstreamException("--wait " + waitFor + " is out of range: give 0s to 5m");
    }
    if (!Files.isExecutable(chromium)) {
      throw new SplitstreamException("no chromium at " + chromium + ": apt-get install chromium, or give its path with"
          + " --chromium");
    }
    Path target = out.toAbsolutePath();
    if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
      throw new SplitstreamException("--out " + out + ": the directory " + target.getParent() + " does not exist;"
          + " create it or choose another path");
    }
    Path profile = Files.createTempDirectory("splitstream-snapshot");
    try {
      List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=" + wh[0] + "," + wh[1],
          // the page in its still mode (?once) reads the run once; the budget lets it draw first
          "--virtual-time-budget=" + Math.max(1, waitFor.toMillis()), "--screenshot=" + target, still(page)));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log")
          .toFile()).start();
      if (!p.waitFor(waitFor.toSeconds() + 60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new SplitstreamException("chromium did not finish within " + (waitFor.toSeconds() + 60)
            + " s: is " + page + " reachable? (see ./splitstream run's 'live page:' line)");
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(target) || Files.size(target) == 0) {
        String log = Files.readString(profile.resolve("chromium.log")).lines().filter(l -> !l.isBlank())
            .reduce((a, b) -> b).orElse("");
        throw new SplitstreamException("chromium could not render " + page + " (exit " + p.exitValue() + "): " + log
            + "; check that a run serves it");
      }
      spec.commandLine().getOut().println("snapshot: " + target + " (" + Files.size(target) + " bytes, " + page + ")");
      return 0;
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static String still(URI page) {
    String q = page.getRawQuery();
    return page.toString().replaceFirst("#.*$", "") + (q == null ? "?once" : "&once");
  }

  private static URI checkUrl(String url) {
    try {
      URI u = URI.create(url.trim());
      if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
        return u;
      }
    } catch (IllegalArgumentException e) {
      // named below
    }
    throw new SplitstreamException("--url '" + url + "' is not an http URL: give the run's live page, e.g."
        + " --url http://127.0.0.1:9464/");
  }
}
