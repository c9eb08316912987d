package io.splitstream.loadgen.video;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import reactor.core.scheduler.Schedulers;

/**
 * Prints how long decoding and converting one frame of a 640x480 test video takes, for a few model
 * inputs; a command for people, not a test. Usage: {@code DecodeBenchmark [seconds] [rounds]} (defaults
 * 10 s of video, 3 rounds; the first round is a warm-up and not reported). Single-threaded, unpaced
 * replay on the calling thread, as the pipeline sees it at {@code fps=max}.
 */
public final class DecodeBenchmark {
  private DecodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Duration length = Duration.ofMillis(Math.round(seconds * 1000));
    Path file = TestVideo.cacheDir().resolve(TestVideo.fileName(640, 480, 30, length));
    long t0 = System.nanoTime();
    TestVideo.ensure(file, 640, 480, 30, length);
    VideoInfo info = VideoReplaySource.probe(file);
    System.out.printf(Locale.ROOT, "video %s: %dx%d %s %.2f fps, %d frames (ensure+probe %.0f ms)%n", file,
        info.width(), info.height(), info.codec(), info.frameRate(), TestVideo.frameCount(30, length),
        (System.nanoTime() - t0) / 1e6);

    for (int r = 0; r < rounds; r++) {
      boolean report = r > 0 || rounds == 1;
      long start = System.nanoTime();
      long n = decodeOnly(file);
      print(report, "decode only (RGB24 640x480, no tensor)", start, n);
      for (TensorSpec spec : List.of(
          new TensorSpec("x", ElementType.FLOAT32, List.of(1L, -1L, -1L, 3L)),
          new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 3L, 224L, 224L)),
          new TensorSpec("x", ElementType.UINT8, List.of(1L, 128L, 128L, 3L)))) {
        SourceContext ctx = new SourceContext(spec, "bench", Schedulers.immediate(), Optional.empty(), 0, false);
        VideoReplaySource source = VideoReplaySource.open(file, ReplayRate.MAX, ctx, PixelNormalization.UNIT);
        start = System.nanoTime();
        Long count = source.frames().count().block();
        print(report, "decode+convert to " + spec.type() + Arrays.toString(source.input().shape()) + " "
            + source.input().layout(), start, count == null ? 0 : count);
      }
    }
  }

  private static long decodeOnly(Path file) throws Exception {
    long n = 0;
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      while (g.grabImage() != null) {
        n++;
      }
    }
    return n;
  }

  private static void print(boolean report, String what, long startNanos, long frames) {
    if (report) {
      double ms = (System.nanoTime() - startNanos) / 1e6;
      System.out.printf(Locale.ROOT, "%-58s %5d frames  %7.3f ms/frame  %7.1f frames/s%n", what, frames,
          ms / frames, frames * 1000 / ms);
    }
  }
}
