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
          .hasMessageContaining("seconds, width, height, fps, replay");
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
