package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.loadgen.recording.SampleRecordings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sensor and audio replay through the CLI on the generated 1-D CNN, outputs computed, audit passing. */
class SensorReplayEndToEndTest {
  @TempDir Path dir;

  @Test
  void sensorAndAudioReplayRunOnTheGeneratedModelWithTheAuditPassing() {
    E2e.useRepositoryModels();
    Path har = dir.resolve("har1d.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.signal1d(OnnxModelGenerator.har()), har);
    Path kws = dir.resolve("kws.onnx");
    E2e.Cli gen = E2e.cli("models", "generate", "--family", "audio1d", "--window", "4000", "--out", kws.toString());
    assertThat(gen.exit()).as(gen.err()).isZero();
    Path csv = dir.resolve("walk.csv");
    Path wav = dir.resolve("tones.wav");
    assertThat(E2e.cli("models", "sample", "--kind", "sensor", "--seconds", "20", "--out", csv.toString()).exit()).isZero();
    assertThat(E2e.cli("models", "sample", "--kind", "audio", "--seconds", "3", "--rate", "8000", "--out", wav.toString()).exit()).isZero();

    // 1000 samples, window 128 (the model's), hop 32: (1000 - 128) / 32 + 1 = 28 windows, one every
    // 0.64 s, 17.92 s in all: a minute of it is refused unless looped
    E2e.Cli tooLong = E2e.cli("run", "--simulate", "--soc", E2e.SOC, "--scenario", "none",
        "--model", har.toString(), "--source", "sensor:" + csv + ",hop=32", "--metrics-port", "-1", "--no-progress",
        "--duration", "1m");
    assertThat(tooLong.exit()).isEqualTo(2);
    assertThat(tooLong.errLines()).hasSize(1);
    assertThat(tooLong.err()).contains("--duration 60s is longer than sensor recording", "17.92s", "loop=true");

    E2e.Cli sensor = E2e.cli("run", "--simulate", "--compute-outputs", "--soc", E2e.SOC, "--scenario", "none",
        "--model", har.toString(), "--source", "sensor:" + csv + ",hop=32,loop=true", "--metrics-port", "-1",
        "--no-progress", "--duration", "1m");
    assertThat(sensor.exit()).as(sensor.err()).isZero();
    // looped: a window every 0.64 s for 60 s, 94 in all
    assertThat(sensor.out()).contains("windows FLOAT32[1, 128, 6]", "offered 94 = completed 94", "audit passed");

    E2e.Cli audio = E2e.cli("run", "--simulate", "--compute-outputs", "--soc", E2e.SOC, "--scenario", "none",
        "--model", kws.toString(), "--source", "audio:" + wav + ",hop=2000", "--metrics-port", "-1", "--no-progress",
        "--duration", "2.75s");
    assertThat(audio.exit()).as(audio.err()).isZero();
    // 24000 samples at 8 kHz, window 4000, hop 2000: 11 windows, 2.75 s of them
    assertThat(audio.out()).contains("windows FLOAT32[1, 4000]", "offered 11 = completed 11", "audit passed");

    E2e.Cli mismatch = E2e.cli("run", "--simulate", "--soc", E2e.SOC, "--scenario", "none", "--model", har.toString(),
        "--source", "sensor:" + csv + ",window=64", "--metrics-port", "-1", "--no-progress");
    assertThat(mismatch.exit()).isEqualTo(2);
    assertThat(mismatch.errLines()).hasSize(1);
    assertThat(mismatch.err()).contains("FLOAT32[1, 64, 6]", "FLOAT32[1, 128, 6]");
  }
}
