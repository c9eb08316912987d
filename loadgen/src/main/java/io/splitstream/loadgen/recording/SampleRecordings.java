package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Recordings the project writes itself, seeded, for tests and trying out: a 6-channel IMU
 * recording (3-axis accelerometer in m/s², 3-axis gyroscope in rad/s) that alternates between
 * still and walking-like motion every few seconds, and a WAV of tones in noise. Also the {@code
 * models sample} command that writes them.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Write a seeded sample recording: a sensor CSV or an audio WAV.",
      "Write a sample recording the project generates itself (seeded): --kind sensor, a CSV of a 6-channel IMU",
      "(time_s, acc_x/y/z, gyro_x/y/z) at --rate Hz; --kind audio, a 16-bit PCM WAV at --rate Hz (tones in noise).",
      "Replay them with --source sensor:FILE.csv or --source audio:FILE.wav on a model from models generate."
    })
public final class SampleRecordings implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--kind", required = true, description = "sensor or audio")
  String kind;

  @Option(names = "--out", required = true, description = "the file to write (.csv for sensor, .wav for audio)")
  Path out;

  @Option(names = "--seconds", defaultValue = "60", description = "length of the recording (default: ${DEFAULT-VALUE})")
  double seconds;

  @Option(names = "--rate", description = "samples per second (default: 50 for sensor, 16000 for audio)")
  Integer rate;

  @Option(names = "--channels", defaultValue = "1", description = "audio channels (downmixed on replay) (default: ${DEFAULT-VALUE})")
  int channels;

  @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    if (!(seconds > 0) || (rate != null && rate < 1) || channels < 1) {
      throw new SplitstreamException("--seconds, --rate and --channels must be positive");
    }
    PrintWriter w = spec.commandLine().getOut();
    switch (kind) {
      case "sensor" -> {
        long n = writeSensor(out, seconds, rate == null ? 50 : rate, seed);
        w.printf(Locale.ROOT, "wrote %s (%d samples of 6 channels at %d Hz)%n", out, n, rate == null ? 50 : rate);
      }
      case "audio" -> {
        long n = writeAudio(out, seconds, rate == null ? 16000 : rate, channels, seed);
        w.printf(Locale.ROOT, "wrote %s (%d samples, %d channel(s), 16-bit PCM at %d Hz)%n", out, n, channels,
            rate == null ? 16000 : rate);
      }
      default -> throw new SplitstreamException("--kind '" + kind + "' is not sensor or audio: give --kind sensor or --kind audio");
    }
    return 0;
  }

  /** Writes an IMU recording; returns the number of samples. */
  public static long writeSensor(Path file, double seconds, int rateHz, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long n = Math.round(seconds * rateHz);
    StringBuilder b = new StringBuilder("time_s,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n");
    for (long i = 0; i < n; i++) {
      double t = (double) i / rateHz;
      boolean walking = ((long) (t / 5)) % 2 == 1;
      double step = walking ? Math.sin(2 * Math.PI * 1.8 * t) : 0;
      b.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f%n", t,
          0.3 * step + 0.05 * r.nextGaussian(), 9.81 + 2.5 * step + 0.05 * r.nextGaussian(),
          0.8 * Math.sin(2 * Math.PI * 0.9 * t) * (walking ? 1 : 0) + 0.05 * r.nextGaussian(),
          0.6 * step + 0.02 * r.nextGaussian(), 0.2 * step + 0.02 * r.nextGaussian(), 0.02 * r.nextGaussian()));
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, b);
    } catch (IOException e) {
      throw new SplitstreamException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return n;
  }

  /** Writes a 16-bit PCM WAV; returns the number of samples per channel. */
  public static long writeAudio(Path file, double seconds, int rateHz, int channels, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = Math.toIntExact(Math.round(seconds * rateHz));
    ByteBuffer pcm = ByteBuffer.allocate(n * channels * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      double t = (double) i / rateHz;
      double tone = ((long) (t / 0.5)) % 2 == 0 ? Math.sin(2 * Math.PI * 440 * t) : Math.sin(2 * Math.PI * 880 * t);
      for (int c = 0; c < channels; c++) {
        double v = 0.4 * tone + 0.05 * r.nextGaussian();
        pcm.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
      }
    }
    AudioFormat f = new AudioFormat(rateHz, 16, channels, true, false);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm.array()), f, n)) {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
    } catch (IOException e) {
      throw new SplitstreamException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return n;
  }
}
