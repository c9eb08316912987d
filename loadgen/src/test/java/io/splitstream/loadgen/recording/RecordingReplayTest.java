package io.splitstream.loadgen.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingReplayTest {
  @TempDir Path dir;

  private static SourceContext ctx(SimulatedTime clock, long... shape) {
    return new SourceContext(new TensorSpec("signal", ElementType.FLOAT32,
        java.util.Arrays.stream(shape).boxed().toList()), "s0", clock, Optional.empty(), 1, true);
  }

  private static SourceContext ctx(SimulatedTime clock, Duration duration, long... shape) {
    return new SourceContext(new TensorSpec("signal", ElementType.FLOAT32,
        java.util.Arrays.stream(shape).boxed().toList()), "s0", clock, Optional.of(duration), 1, true);
  }

  private static List<Frame> replayFor(String spec, Duration duration, long... shape) {
    SimulatedTime clock = new SimulatedTime();
    List<Frame> frames = new ArrayList<>();
    Sources.open(spec, ctx(clock, duration, shape)).frames().subscribe(frames::add);
    clock.run();
    return frames;
  }

  private static List<Frame> replay(String spec, SimulatedTime clock, long... shape) {
    List<Frame> frames = new ArrayList<>();
    Sources.open(spec, ctx(clock, shape)).frames().subscribe(frames::add);
    clock.run();
    return frames;
  }

  private static float[] floats(Frame f) {
    return f.tensors().get("signal").floats();
  }

  @Test
  void sensorWindowsHopAndFollowTheRecordingsTimestamps() throws IOException {
    Path f = dir.resolve("r.csv");
    StringBuilder b = new StringBuilder("time_ms,a,b,c\n");
    for (int i = 0; i < 10; i++) {
      b.append(i * 20).append(',').append(i).append(',').append(10 + i).append(',').append(100 + i).append('\n');
    }
    Files.writeString(f, b);
    SimulatedTime clock = new SimulatedTime();
    List<Frame> frames = replay("sensor:" + f + ",window=4,hop=2,columns=c,a", clock, 1, 4, 2);
    assertThat(frames).hasSize(4);
    assertThat(frames.get(0).tensors().get("signal").shape()).containsExactly(1, 4, 2);
    // window 1 starts at sample 2: rows (c, a) = (102, 2), (103, 3), ...
    assertThat(floats(frames.get(1))).containsExactly(102, 2, 103, 3, 104, 4, 105, 5);
    // milliseconds (the time column's name ends in ms); window k due 2 samples (40 ms) after window k-1
    assertThat(frames).extracting(Frame::captureNanos).containsExactly(0L, 40_000_000L, 80_000_000L, 120_000_000L);
  }

  @Test
  void sensorAtAFixedRateAndDefaultsFromTheModelInput() throws IOException {
    Path f = dir.resolve("walk.csv");
    SampleRecordings.writeSensor(f, 10, 50, 3);
    SimulatedTime clock = new SimulatedTime();
    List<Frame> frames = replay("sensor:" + f + ",rate=4", clock, 1, 128, 6);
    // 500 samples, window 128 from the model, hop 64 by default: (500 - 128) / 64 + 1 = 6 windows
    assertThat(frames).hasSize(6);
    assertThat(frames.get(5).captureNanos()).isEqualTo(1_250_000_000L);
  }

  @Test
  void malformedSensorFilesGetOneLineNamingLineAndField() throws IOException {
    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "t,x,y\n0,1,2\n0.1,1\n");
    assertThatThrownBy(() -> replay("sensor:" + ragged + ",window=1", new SimulatedTime(), 1, 1, 2))
        .isInstanceOf(SplitstreamException.class).hasMessageContaining("line 3: 2 fields").hasMessageContaining("(t, x, y)");
    Path text = dir.resolve("text.csv");
    Files.writeString(text, "t,x,y\n0,1,2\n0.1,1,oops\n");
    assertThatThrownBy(() -> replay("sensor:" + text + ",window=1", new SimulatedTime(), 1, 1, 2))
        .hasMessageContaining("line 3, field 3 (y): 'oops' is not a number");
    Path back = dir.resolve("back.csv");
    Files.writeString(back, "t,x\n0,1\n# a comment\n0.2,1\n0.1,1\n");
    assertThatThrownBy(() -> replay("sensor:" + back + ",window=1", new SimulatedTime(), 1, 1, 1))
        .hasMessageContaining("line 5, field 1 (t): time 0.1 is before the previous sample's, 0.2 (line 4)");
    assertThatThrownBy(() -> replay("sensor:" + back + ",window=1,columns=z", new SimulatedTime(), 1, 1, 1))
        .hasMessageContaining("names 'z', which is not a channel");
  }

  @Test
  void aWindowThatDoesNotFitTheModelNamesBothShapes() throws IOException {
    Path f = dir.resolve("walk.csv");
    SampleRecordings.writeSensor(f, 10, 50, 3);
    assertThatThrownBy(() -> replay("sensor:" + f + ",window=64", new SimulatedTime(), 1, 128, 6))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("FLOAT32[1, 64, 6]").hasMessageContaining("FLOAT32[1, 128, 6]");
    Path w = dir.resolve("a.wav");
    SampleRecordings.writeAudio(w, 1, 8000, 1, 1);
    assertThatThrownBy(() -> replay("audio:" + w + ",window=4000", new SimulatedTime(), 1, 128, 6))
        .hasMessageContaining("FLOAT32[1, 4000]").hasMessageContaining("FLOAT32[1, 128, 6]");
  }

  /** 10 samples 20 ms apart, windows of 4 every 2: 4 windows, one every 40 ms, 160 ms in all. */
  private Path shortSensor() throws IOException {
    Path f = dir.resolve("short.csv");
    StringBuilder b = new StringBuilder("time_ms,a\n");
    for (int i = 0; i < 10; i++) {
      b.append(i * 20).append(',').append(i).append('\n');
    }
    return Files.writeString(f, b);
  }

  @Test
  void aDurationLongerThanASensorRecordingIsRefusedWithItsLength() throws IOException {
    Path f = shortSensor();
    assertThatThrownBy(() -> replayFor("sensor:" + f + ",window=4,hop=2", Duration.ofSeconds(1), 1, 4, 1))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("--duration 1s is longer than sensor recording")
        .hasMessageContaining("0.16s")
        .hasMessageContaining("loop=true");
    // a duration within the recording is fine
    assertThat(replayFor("sensor:" + f + ",window=4,hop=2", Duration.ofMillis(150), 1, 4, 1)).hasSize(4);
  }

  @Test
  void aLoopedSensorRecordingFillsTheDuration() throws IOException {
    Path f = shortSensor();
    List<Frame> frames = replayFor("sensor:" + f + ",window=4,hop=2,loop=true", Duration.ofSeconds(1), 1, 4, 1);
    // a window every 40 ms for 1 s, the recording starting again every 160 ms
    assertThat(frames).hasSizeBetween(24, 26);
    assertThat(frames.get(4).captureNanos()).isEqualTo(160_000_000L);
    assertThat(floats(frames.get(4))).containsExactly(floats(frames.get(0)));
    assertThat(frames).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
    assertThat(frames).extracting(Frame::captureNanos).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void aDurationLongerThanAnAudioFileIsRefusedUnlessLooped() throws IOException {
    Path f = dir.resolve("one-second.wav");
    SampleRecordings.writeAudio(f, 1, 8000, 1, 5);
    // 7 windows of 2000 samples every 1000 at 8 kHz: 0.875 s
    assertThatThrownBy(() -> replayFor("audio:" + f + ",window=2000,hop=1000", Duration.ofSeconds(2), 1, 2000))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("--duration 2s is longer than audio")
        .hasMessageContaining("0.875s")
        .hasMessageContaining("loop=true");
    List<Frame> looped = replayFor("audio:" + f + ",window=2000,hop=1000,loop=true", Duration.ofSeconds(2), 1, 2000);
    assertThat(looped).hasSize(16);
    assertThat(looped.get(7).captureNanos()).isEqualTo(875_000_000L);
    assertThat(floats(looped.get(7))).containsExactly(floats(looped.get(0)));
  }

  @Test
  void audioIsDownmixedWindowedAndTimedBySampleRate() throws IOException {
    Path f = dir.resolve("st.wav");
    SampleRecordings.writeAudio(f, 1, 8000, 2, 5);
    SimulatedTime clock = new SimulatedTime();
    List<Frame> frames = replay("audio:" + f + ",window=2000,hop=1000", clock, 1, 2000);
    assertThat(frames).hasSize(7);
    assertThat(frames.get(1).captureNanos()).isEqualTo(125_000_000L);
    float[] v = floats(frames.get(0));
    assertThat(v).hasSize(2000);
    double energy = 0;
    for (float x : v) {
      assertThat(x).isBetween(-1f, 1f);
      energy += x * x;
    }
    assertThat(energy / v.length).as("a 0.4-amplitude tone: mean square about 0.08").isBetween(0.06, 0.10);
  }

  @Test
  void badWavHeadersAreNamed() throws IOException {
    Path notRiff = dir.resolve("x.wav");
    Files.writeString(notRiff, "RIFX0000WAVEfmt ");
    assertThatThrownBy(() -> replay("audio:" + notRiff, new SimulatedTime(), 1, 16))
        .hasMessageContaining("header field 'ChunkID' (bytes 0-3) is 'RIFX'");
    Path notWave = dir.resolve("y.wav");
    Files.writeString(notWave, "RIFF0000AVI fmt ");
    assertThatThrownBy(() -> replay("audio:" + notWave, new SimulatedTime(), 1, 16))
        .hasMessageContaining("header field 'Format' (bytes 8-11) is 'AVI '");
    Path eight = dir.resolve("8.wav");
    javax.sound.sampled.AudioFormat fmt = new javax.sound.sampled.AudioFormat(8000, 8, 1, true, false);
    javax.sound.sampled.AudioSystem.write(new javax.sound.sampled.AudioInputStream(
        new java.io.ByteArrayInputStream(new byte[800]), fmt, 800), javax.sound.sampled.AudioFileFormat.Type.WAVE,
        eight.toFile());
    assertThatThrownBy(() -> replay("audio:" + eight, new SimulatedTime(), 1, 16))
        .hasMessageContaining("header field 'bits per sample' is 8");
  }
}
