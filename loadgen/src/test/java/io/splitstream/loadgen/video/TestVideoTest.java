package io.splitstream.loadgen.video;

import static io.splitstream.loadgen.Contexts.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.loadgen.Contexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

class TestVideoTest {
  @TempDir Path dir;

  @Test
  void drawingIsDeterministicAndShowsAFaceThatMoves() {
    int w = 64;
    int h = 48;
    byte[] bg = TestVideo.background(w, h);
    byte[] a = new byte[w * h * 3];
    byte[] b = new byte[w * h * 3];
    byte[] later = new byte[w * h * 3];
    TestVideo.draw(a, bg, w, h, 10, 30);
    TestVideo.draw(b, TestVideo.background(w, h), w, h, 10, 30);
    TestVideo.draw(later, bg, w, h, 40, 30);
    assertThat(a).isEqualTo(b);
    assertThat(skinCentroidX(a, w, h)).isNotEqualTo(skinCentroidX(later, w, h));
  }

  @Test
  void reusesAnExistingFileAndWritesANewOneWhole() throws Exception {
    Path file = dir.resolve("sub/v.mp4");
    TestVideo.ensure(file, 32, 32, 10, Duration.ofSeconds(1));
    assertThat(Files.size(file)).isPositive();
    try (var listing = Files.list(file.getParent())) {
      assertThat(listing).containsExactly(file); // no leftover temporary file
    }
    FileTime written = FileTime.fromMillis(1_000_000);
    Files.setLastModifiedTime(file, written);
    TestVideo.ensure(file, 32, 32, 10, Duration.ofSeconds(1));
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
  }

  @Test
  void rejectsUnusableParameters() {
    assertThatThrownBy(() -> TestVideo.ensure(dir.resolve("x.mp4"), 33, 32, 10, Duration.ofSeconds(1)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("33x32");
    assertThatThrownBy(() -> TestVideo.ensure(dir.resolve("x.mp4"), 32, 32, 0, Duration.ofSeconds(1)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("fps 0.0");
  }

  @Test
  void sizesThatWouldTakeHoursAreRefusedBeforeAnythingIsWritten() throws Exception {
    Path hour = dir.resolve("hour.mp4");
    assertThatThrownBy(() -> TestVideo.ensure(hour, 640, 480, 30, Duration.ofHours(1)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("test video of 640x480 at 30 fps for 3600 s is too large to generate (3.3e+10 pixels over its "
            + "frames, at most 2.8e+09: e.g. 300 s of 640x480 at 30 fps): give fewer seconds or a smaller size; "
            + "the clip loops, so --duration still sets how long a run lasts");
    assertThatThrownBy(() -> TestVideo.ensure(hour, 100_000, 100_000, 30, Duration.ofSeconds(1)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("test video size 100000x100000 is not usable: width and height may be at most 3840");
    try (var listing = Files.list(dir)) {
      assertThat(listing).isEmpty();
    }
  }

  @Test
  void partialFilesOfKilledWritersAreDeletedAndThoseOfLiveOnesKept() throws Exception {
    Path file = dir.resolve("v.mp4");
    long dead = ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1) + 100_000;
    Path stale = Files.writeString(dir.resolve("v.mp4." + dead + ".123.part"), "half a video");
    Path live = Files.writeString(dir.resolve("v.mp4." + ProcessHandle.current().pid() + ".456.part"), "writing");
    Path other = Files.writeString(dir.resolve("w.mp4." + dead + ".789.part"), "another video's");
    TestVideo.ensure(file, 32, 32, 10, Duration.ofSeconds(1));
    assertThat(stale).doesNotExist();
    assertThat(live).exists();
    assertThat(other).as("only this video's partial files are looked at").exists();
    assertThat(file).isRegularFile();
  }

  @Test
  void progressIsToldAfterEveryFrameWritten() {
    java.util.List<int[]> seen = new java.util.ArrayList<>();
    TestVideo.ensure(dir.resolve("p.mp4"), 32, 32, 10, Duration.ofSeconds(2), (done, total) -> seen.add(
        new int[] {done, total}));
    assertThat(seen).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(seen.get(i)).containsExactly(i + 1, 20);
    }
    seen.clear();
    TestVideo.ensure(dir.resolve("p.mp4"), 32, 32, 10, Duration.ofSeconds(2), (done, total) -> seen.add(
        new int[] {done, total}));
    assertThat(seen).as("a cached video is not written again").isEmpty();
  }

  @Test
  void consoleProgressStaysQuietForAQuickClipAndReportsASlowOne() {
    var bytes = new java.io.ByteArrayOutputStream();
    var out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    var quick = new TestVideoSourceProvider.ConsoleProgress(out, dir.resolve("q.mp4"), t0);
    quick.written(1, 2);
    quick.written(2, 2);
    assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    // started two seconds ago: a second has passed, so it reports, and reports the end
    var slow = new TestVideoSourceProvider.ConsoleProgress(out, dir.resolve("s.mp4"), t0 - 2_000_000_000L);
    slow.written(10, 40);
    slow.written(40, 40);
    assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).hasSize(2)
        .first().asString().startsWith("generating test video s.mp4 (once, then cached): 10 of 40 frames, 25%, ");
  }

  @Test
  void providerLoopsTheClipToFillTheDuration() {
    String previous = System.getProperty("splitstream.cache");
    System.setProperty("splitstream.cache", dir.toString());
    try {
      var vts = reactor.test.scheduler.VirtualTimeScheduler.create();
      var ctx = Contexts.paced(spec(ElementType.UINT8, 1, -1, -1, 3), vts, Duration.ofMillis(2950));
      var looped = new TestVideoSourceProvider().open("seconds=1,width=32,height=24,fps=10", ctx);
      assertThat(looped.description()).endsWith(", in a loop");
      java.util.List<io.splitstream.pipeline.frame.Frame> seen = new java.util.ArrayList<>();
      reactor.test.StepVerifier.withVirtualTime(looped::frames, () -> vts, Long.MAX_VALUE)
          .recordWith(() -> seen)
          .thenAwait(Duration.ofSeconds(4))
          .expectNextCount(30)
          .verifyComplete();
      assertThat(seen).extracting(io.splitstream.pipeline.frame.Frame::seq)
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());
      assertThat(seen.get(29).captureNanos()).isCloseTo(2_900_000_000L, org.assertj.core.data.Offset.offset(2_000L));
      assertThatThrownBy(() -> new TestVideoSourceProvider().open("seconds=1,width=32,height=24,fps=10,loop=false",
          ctx))
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("--duration 2.95s is longer than video '")
          .hasMessageEndingWith("' (1s at its own rate): add ,loop=true to the source to replay it in a loop, "
              + "or give --duration 1s or less");
    } finally {
      if (previous == null) {
        System.clearProperty("splitstream.cache");
      } else {
        System.setProperty("splitstream.cache", previous);
      }
    }
  }

  @Test
  void frameCountFollowsRateAndLength() {
    assertThat(TestVideo.frameCount(30, Duration.ofSeconds(2))).isEqualTo(60);
    assertThat(TestVideo.frameCount(29.97, Duration.ofSeconds(10))).isEqualTo(300);
    assertThat(TestVideo.frameCount(1, Duration.ofMillis(10))).isEqualTo(1);
  }

  @Test
  void providerGeneratesIntoTheCacheAndReplays() {
    String previous = System.getProperty("splitstream.cache");
    System.setProperty("splitstream.cache", dir.toString());
    try {
      var source = new TestVideoSourceProvider().open("seconds=1,width=32,height=24,fps=10,replay=max",
          Contexts.unpaced(spec(ElementType.UINT8, 1, -1, -1, 3), Schedulers.immediate()));
      assertThat(source.live()).isFalse();
      assertThat(source.frames().count().block()).isEqualTo(10);
      assertThat(dir.resolve(TestVideo.fileName(32, 24, 10, Duration.ofSeconds(1)))).isRegularFile();
      assertThatThrownBy(() -> new TestVideoSourceProvider().open("secs=1",
          Contexts.unpaced(spec(ElementType.UINT8, 1, -1, -1, 3), Schedulers.immediate())))
          .isInstanceOf(SplitstreamException.class)
          .hasMessageContaining("unknown key 'secs'")
          .hasMessageContaining("seconds, width, height, fps, replay, loop");
    } finally {
      if (previous == null) {
        System.clearProperty("splitstream.cache");
      } else {
        System.setProperty("splitstream.cache", previous);
      }
    }
  }

  private static double skinCentroidX(byte[] rgb, int w, int h) {
    long sum = 0;
    long n = 0;
    for (int i = 0; i < w * h; i++) {
      int r = rgb[i * 3] & 0xff;
      int g = rgb[i * 3 + 1] & 0xff;
      int b = rgb[i * 3 + 2] & 0xff;
      if (r > 150 && r > g + 25 && g > b) {
        sum += i % w;
        n++;
      }
    }
    assertThat(n).as("skin pixels").isGreaterThan(20);
    return (double) sum / n;
  }

}
