package io.splitstream.loadgen.video;

import io.splitstream.loadgen.Options;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Scheme {@code testvideo}: generates the project's {@link TestVideo} into the cache folder ({@link
 * TestVideo#cacheDir()}) unless it is there already, then replays it like {@code video}. Argument:
 * optional {@code seconds=20,width=640,height=480,fps=30,replay=native|max|<n>,loop=true|false} (the
 * first five are the defaults; {@code fps} is the video's own rate, {@code replay} the replay rate),
 * e.g. {@code testvideo:seconds=5}.
 *
 * <p>{@code seconds} is the length of the generated clip, not of the run: when the run has a duration
 * (every CLI run does) the clip loops by default, so a run lasts its {@code --duration} whatever the
 * clip's length and a long run needs no long video ({@code loop=false} plays it once, and a longer
 * duration is refused); without a duration it plays once unless {@code loop=true}. Generation is capped
 * ({@link TestVideo#MAX_PIXELS}) and reports its progress on standard error when it takes more than
 * a second.
 */
public final class TestVideoSourceProvider implements FrameSourceProvider {
  @Override
  public String scheme() {
    return "testvideo";
  }

  @Override
  public String usage() {
    return "testvideo:[seconds=20,width=640,height=480,fps=30,replay=native|max|<n>,loop=true] generates (once, "
        + "cached) and replays a synthetic face video clip of that many seconds, looped to fill --duration; "
        + "e.g. testvideo:seconds=5,width=320,height=240";
  }

  @Override
  public FrameSource open(String argument, SourceContext context) {
    Options o = Options.parse("testvideo source", argument,
        List.of("seconds", "width", "height", "fps", "replay", "loop"));
    double seconds = o.positive("seconds").orElse(20.0);
    int width = o.positiveInt("width").orElse(640);
    int height = o.positiveInt("height").orElse(480);
    if (width > TestVideo.MAX_WIDTH || height > TestVideo.MAX_HEIGHT) {
      throw new io.splitstream.devices.SplitstreamException("testvideo source '" + argument + "': " + width + "x" + height
          + " is larger than the encoder takes here, at most " + TestVideo.MAX_WIDTH + "x" + TestVideo.MAX_HEIGHT
          + " (8K); give a smaller width and height, e.g. testvideo:width=1920,height=1080");
    }
    double fps = o.positive("fps").orElse(30.0);
    ReplayRate rate = o.string("replay")
        .map(r -> ReplayRate.parse(r, "testvideo source '" + argument + "'"))
        .orElse(ReplayRate.NATIVE);
    // a run with a duration (every CLI run has one) loops the clip to fill it; one without plays it once
    boolean loop = o.string("loop").map(v -> VideoSourceProvider.flag(v, "testvideo source '" + argument + "'"))
        .orElse(context.duration().isPresent());
    Duration length = Duration.ofNanos(Math.round(seconds * 1e9));
    TestVideo.check(width, height, fps, length);
    Path file = TestVideo.cacheDir().resolve(TestVideo.fileName(width, height, fps, length));
    TestVideo.ensure(file, width, height, fps, length, new ConsoleProgress(System.err, file, System.nanoTime()));
    return VideoReplaySource.open(file, rate, context, PixelNormalization.UNIT, loop);
  }

  /**
   * Prints how far generation is, at most once a second and only once it has taken a second, so a
   * cached or short clip prints nothing.
   */
  static final class ConsoleProgress implements TestVideo.Progress {
    private final PrintStream out;
    private final Path file;
    private final long startNanos;
    private long lastPrintNanos;
    private boolean printed;

    ConsoleProgress(PrintStream out, Path file, long startNanos) {
      this.out = out;
      this.file = file;
      this.startNanos = startNanos;
      this.lastPrintNanos = startNanos;
    }

    @Override
    public void written(int done, int total) {
      long now = System.nanoTime();
      if (done < total && now - lastPrintNanos < 1_000_000_000L) {
        return;
      }
      if (done == total && !printed) {
        return;
      }
      lastPrintNanos = now;
      printed = true;
      double elapsed = (now - startNanos) / 1e9;
      out.println(String.format(Locale.ROOT, "generating test video %s (once, then cached): %d of %d frames, "
          + "%.0f%%, %.0f s", file.getFileName(), done, total, 100.0 * done / total, elapsed));
      out.flush();
    }
  }
}
