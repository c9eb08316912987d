package io.splitstream.loadgen.video;

import static io.splitstream.loadgen.Contexts.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.loadgen.Contexts;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.frame.Frame;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class VideoReplaySourceTest {
  static final int W = 64;
  static final int H = 48;
  static final double FPS = 30;
  static final int FRAMES = 60;

  @TempDir static Path dir;
  static Path clip;

  @BeforeAll
  static void makeClip() {
    clip = TestVideo.ensure(dir.resolve("clip.mp4"), W, H, FPS, Duration.ofSeconds(2));
  }

  private static VideoReplaySource unpaced(long... shape) {
    return VideoReplaySource.open(clip, ReplayRate.MAX,
        Contexts.unpaced(spec(ElementType.FLOAT32, shape), Schedulers.immediate()), PixelNormalization.UNIT);
  }

  @Test
  void probeReadsTheGeneratedVideo() {
    VideoInfo info = VideoReplaySource.probe(clip);
    assertThat(info.width()).isEqualTo(W);
    assertThat(info.height()).isEqualTo(H);
    assertThat(info.frameRate()).isCloseTo(FPS, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void replaysEveryFrameInOrderAsNhwcAtTheVideosOwnSize() {
    VideoReplaySource source = unpaced(-1, -1, -1, 3);
    List<Frame> frames = source.frames().collectList().block();
    assertThat(frames).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      Frame f = frames.get(i);
      assertThat(f.seq()).isEqualTo(i);
      assertThat(f.streamId()).isEqualTo("cam0");
      Tensor t = f.tensors().get("x");
      assertThat(t.type()).isEqualTo(ElementType.FLOAT32);
      assertThat(t.shape()).containsExactly(1, H, W, 3);
    }
    float[] first = frames.get(0).tensors().get("x").floats();
    for (float v : first) {
      assertThat(v).isBetween(0f, 1f);
    }
  }

  @Test
  void resizesToAFixedNchwInput() {
    List<Frame> frames = unpaced(1, 3, 32, 40).frames().collectList().block();
    assertThat(frames).hasSize(FRAMES);
    assertThat(frames).allSatisfy(f -> assertThat(f.tensors().get("x").shape()).containsExactly(1, 3, 32, 40));
  }

  @Test
  void decodedPicturesMatchTheDrawnFramesInDisplayOrder() {
    VideoReplaySource source = VideoReplaySource.open(clip, ReplayRate.MAX,
        Contexts.unpaced(spec(ElementType.UINT8, 1, H, W, 3), Schedulers.immediate()), PixelNormalization.UNIT);
    List<Frame> frames = source.frames().collectList().block();
    byte[] bg = TestVideo.background(W, H);
    for (int i : new int[] {0, 17, 31, 59}) {
      byte[] drawn = new byte[W * H * 3];
      TestVideo.draw(drawn, bg, W, H, i, FPS);
      byte[] other = new byte[W * H * 3];
      TestVideo.draw(other, bg, W, H, (i + 15) % FRAMES, FPS);
      ByteBuffer decoded = frames.get(i).tensors().get("x").data();
      double own = meanAbsDiff(decoded, drawn);
      // Lossy coding blurs the picture, but the frame drawn for this index must fit far better than another.
      assertThat(own).as("frame %d", i).isLessThan(12).isLessThan(meanAbsDiff(decoded, other) / 2);
    }
  }

  @Test
  void pacedReplayEmitsAtOneOverFpsInVirtualTime() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    VideoReplaySource source = VideoReplaySource.open(clip, ReplayRate.NATIVE,
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, null), PixelNormalization.UNIT);
    assertThat(source.live()).as("a file can wait: not live, default policy block").isFalse();
    List<Frame> seen = new ArrayList<>();
    long frameNanos = Math.round(1e9 / FPS);
    StepVerifier.withVirtualTime(source::frames, () -> vts, Long.MAX_VALUE)
        .recordWith(() -> seen)
        .expectNextMatches(f -> f.seq() == 0 && f.captureNanos() == 0)
        .expectNoEvent(Duration.ofNanos(frameNanos - 100_000))
        .thenAwait(Duration.ofSeconds(3))
        .expectNextCount(FRAMES - 1)
        .verifyComplete();
    for (int i = 0; i < FRAMES; i++) {
      assertThat(seen.get(i).seq()).isEqualTo(i);
      // Container timestamps are kept in microseconds, so allow that much rounding.
      assertThat(seen.get(i).captureNanos()).as("frame %d", i).isCloseTo(i * frameNanos,
          org.assertj.core.data.Offset.offset(2_000L));
    }
  }

  @Test
  void fixedRateAndDurationOverrideTheFilesTiming() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    VideoReplaySource source = VideoReplaySource.open(clip, ReplayRate.fixed(10),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofSeconds(1)), PixelNormalization.UNIT);
    List<Frame> seen = new ArrayList<>();
    StepVerifier.withVirtualTime(source::frames, () -> vts, Long.MAX_VALUE)
        .recordWith(() -> seen)
        .thenAwait(Duration.ofMillis(999))
        .expectNextCount(10)
        .expectNoEvent(Duration.ofMillis(1).minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .verifyComplete();
    assertThat(seen).extracting(Frame::captureNanos)
        .containsExactly(0L, 100_000_000L, 200_000_000L, 300_000_000L, 400_000_000L, 500_000_000L, 600_000_000L,
            700_000_000L, 800_000_000L, 900_000_000L);
  }

  @Test
  void aDurationLongerThanTheFileIsRefusedAtOpenWithTheFilesLength() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    assertThatThrownBy(() -> VideoReplaySource.open(clip, ReplayRate.NATIVE,
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofSeconds(30)), PixelNormalization.UNIT))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("--duration 30s is longer than video '" + clip + "' (2s at its own rate): add ,loop=true to the "
            + "source to replay it in a loop, or give --duration 2s or less");
    // at a fixed rate one pass lasts frames / rate: 60 frames at 20 fps are 3 s
    assertThatThrownBy(() -> VideoReplaySource.open(clip, ReplayRate.fixed(20),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofMillis(3500)), PixelNormalization.UNIT))
        .hasMessageContaining("(3s at 20 fps)");
    assertThat(VideoReplaySource.open(clip, ReplayRate.fixed(20),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofSeconds(3)), PixelNormalization.UNIT))
        .isNotNull();
  }

  @Test
  void aLoopedReplayStartsAgainAtTheEndAndKeepsTheFrameInterval() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    VideoReplaySource source = VideoReplaySource.open(clip, ReplayRate.NATIVE,
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofMillis(4990)), PixelNormalization.UNIT,
        true);
    assertThat(source.loops()).isTrue();
    assertThat(source.description()).endsWith(", in a loop");
    List<Frame> seen = new ArrayList<>();
    StepVerifier.withVirtualTime(source::frames, () -> vts, Long.MAX_VALUE)
        .recordWith(() -> seen)
        .thenAwait(Duration.ofSeconds(6))
        .expectNextCount(150)
        .verifyComplete();
    long frameNanos = Math.round(1e9 / FPS);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i).seq()).isEqualTo(i);
      assertThat(seen.get(i).captureNanos()).as("frame %d", i).isCloseTo(i * frameNanos,
          org.assertj.core.data.Offset.offset(2_000L));
    }
    for (int pass = 1; pass < 3; pass++) {
      assertThat(seen.get(pass * FRAMES + 7).tensors().get("x").maxAbsDiff(seen.get(7).tensors().get("x")))
          .as("pass %d shows the same pictures", pass).isZero();
    }
  }

  @Test
  void providerParsesLoopAndRateInAnyOrder() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    var provider = new VideoSourceProvider();
    var ctx = Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, Duration.ofSeconds(10));
    assertThat(provider.open(clip + ",loop=true", ctx).description()).endsWith("its own rate, in a loop");
    assertThat(provider.open(clip + ",fps=12.5,loop=true", ctx).description()).contains("12.5 fps").endsWith("loop");
    assertThat(provider.open(clip + ",loop=TRUE,fps=12.5", ctx).description()).contains("12.5 fps").endsWith("loop");
    assertThatThrownBy(() -> provider.open(clip + ",loop=false", ctx))
        .hasMessageStartingWith("--duration 10s is longer than video '" + clip + "'");
    assertThatThrownBy(() -> provider.open(clip + ",loop=yes", ctx))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("video source '" + clip + ",loop=yes': loop 'yes' must be true or false");
  }

  @Test
  void unpacedReplayHonoursBackpressure() {
    VideoReplaySource source = unpaced(1, 3, 24, 32);
    assertThat(source.live()).isFalse();
    List<Frame> got = new ArrayList<>();
    boolean[] completed = {false};
    BaseSubscriber<Frame> subscriber = new BaseSubscriber<>() {
      @Override
      protected void hookOnSubscribe(Subscription s) {}

      @Override
      protected void hookOnNext(Frame f) {
        got.add(f);
      }

      @Override
      protected void hookOnComplete() {
        completed[0] = true;
      }
    };
    source.frames().subscribe(subscriber);
    assertThat(got).isEmpty();
    subscriber.request(1);
    assertThat(got).extracting(Frame::seq).containsExactly(0L);
    subscriber.request(2);
    assertThat(got).extracting(Frame::seq).containsExactly(0L, 1L, 2L);
    assertThat(completed[0]).isFalse();
    subscriber.cancel();
  }

  @Test
  void unpacedContextReplaysAsFastAsDemandedEvenAtNativeRate() {
    VideoReplaySource source = VideoReplaySource.open(clip, ReplayRate.NATIVE,
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 3, 24, 32), Schedulers.immediate()), PixelNormalization.UNIT);
    assertThat(source.live()).isFalse();
    StepVerifier.create(source.frames().take(5)).expectNextCount(5).verifyComplete();
  }

  @Test
  void eachSubscriptionReplaysFromTheStart() {
    VideoReplaySource source = unpaced(1, 3, 24, 32);
    Frame first = source.frames().blockFirst();
    Frame again = source.frames().blockFirst();
    assertThat(again.seq()).isZero();
    assertThat(again.tensors().get("x").maxAbsDiff(first.tensors().get("x"))).isZero();
  }

  @Test
  void missingFileFailsAtOpenNamingIt() {
    Path missing = dir.resolve("nope.mp4");
    assertThatThrownBy(() -> VideoReplaySource.open(missing, ReplayRate.MAX,
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 3, 24, 32), Schedulers.immediate()), PixelNormalization.UNIT))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist")
        .hasMessageNotContaining("\n");
  }

  @Test
  void corruptFileFailsAtOpenNamingIt() throws Exception {
    Path corrupt = dir.resolve("corrupt.mp4");
    byte[] junk = new byte[20_000];
    new Random(1).nextBytes(junk);
    Files.write(corrupt, junk);
    assertThatThrownBy(() -> VideoReplaySource.open(corrupt, ReplayRate.MAX,
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 3, 24, 32), Schedulers.immediate()), PixelNormalization.UNIT))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining(corrupt.toString())
        .hasMessageContaining("can't be replayed: FFmpeg can't open it: Invalid data found")
        .hasMessageNotContaining("\n");
  }

  @Test
  void unfeedableModelInputFailsAtOpenWithTheShape() {
    assertThatThrownBy(() -> VideoReplaySource.open(clip, ReplayRate.MAX,
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 512), Schedulers.immediate()), PixelNormalization.UNIT))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("model input 'x' has shape [1, 512] which an image source can't fill: "
            + "one image fills [1,H,W,C] or [1,C,H,W] with C of 1 or 3; for a model that does not take one image,"
            + " use a synthetic source, which fills any input, e.g. --source synthetic:constant,rate=30");
  }

  @Test
  void providerParsesPathAndRate() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    var provider = new VideoSourceProvider();
    var ctx = Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 24, 32), vts, null);
    assertThat(provider.open(clip.toString(), ctx).description()).contains("replayed at its own rate");
    assertThat(provider.open(clip + ",fps=max", ctx).description()).contains("as fast as the pipeline takes frames");
    assertThat(provider.open(clip + ",fps=12.5", ctx).description()).contains("12.5 fps");
    assertThatThrownBy(() -> provider.open(clip + ",fps=fast", ctx))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("'fast'")
        .hasMessageContaining("native, max or a number");
  }

  private static double meanAbsDiff(ByteBuffer a, byte[] b) {
    long sum = 0;
    for (int i = 0; i < b.length; i++) {
      sum += Math.abs((a.get(i) & 0xff) - (b[i] & 0xff));
    }
    return (double) sum / b.length;
  }
}
