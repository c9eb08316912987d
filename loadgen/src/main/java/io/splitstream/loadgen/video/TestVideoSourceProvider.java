package io.splitstream.loadgen.video;

import io.splitstream.loadgen.Options;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Scheme {@code testvideo}: generates the project's {@link TestVideo} into the cache folder ({@link
 * TestVideo#cacheDir()}) unless it is there already, then replays it like {@code video}. Argument:
 * optional {@code seconds=20,width=640,height=480,fps=30,replay=native|max|<n>} (those are the defaults;
 * {@code fps} is the video's own rate, {@code replay} the replay rate), e.g. {@code testvideo:seconds=5}.
 */
public final class TestVideoSourceProvider implements FrameSourceProvider {
  @Override
  public String scheme() {
    return "testvideo";
  }

  @Override
  public String usage() {
    return "testvideo:[seconds=20,width=640,height=480,fps=30,replay=native|max|<n>] generates (once, cached) "
        + "and replays a synthetic face video; e.g. testvideo:seconds=5,width=320,height=240";
  }

  @Override
  public FrameSource open(String argument, SourceContext context) {
    Options o = Options.parse("testvideo source", argument,
        List.of("seconds", "width", "height", "fps", "replay"));
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
    Duration length = Duration.ofNanos(Math.round(seconds * 1e9));
    Path file = TestVideo.cacheDir().resolve(TestVideo.fileName(width, height, fps, length));
    TestVideo.ensure(file, width, height, fps, length);
    return VideoReplaySource.open(file, rate, context, PixelNormalization.UNIT);
  }
}
