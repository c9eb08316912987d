package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.loadgen.Emission;
import io.splitstream.loadgen.FrameCursor;
import io.splitstream.loadgen.Options;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import reactor.core.publisher.Flux;

/**
 * A timestamped multichannel recording (accelerometer, gyroscope, any numeric features) replayed as
 * windows: {@code FLOAT32[1, window, channels]} tensors, time-major, one every {@code hop} samples.
 *
 * <p>File: CSV (see {@link NumericCsv}), first column the sample time, the rest numeric channels;
 * with a header, the columns are named and {@code columns=} picks some by name, in the order given.
 * Time is in seconds, or in milliseconds when the time column's name ends in {@code ms} or {@code
 * unit=ms}; times must not go back. Replay: window {@code k} is due at the time of its last sample
 * (when it is complete): window 0 at the start, window {@code k} after it by the time between their last
 * samples; with {@code rate=R}, windows come at R per
 * second instead. Unpaced: as fast as the pipeline takes them. Not live (a file waits for demand,
 * as a video replay does). Completes after the last whole window.
 *
 * <p>Spec: {@code sensor:FILE.csv[,window=W,hop=H,rate=R,columns=a/b/c,unit=s|ms]} ({@code columns}
 * also takes {@code a,b,c} as the last key). The window defaults to the model input's dimension 1.
 */
public final class SensorReplaySource implements FrameSource {
  private final Path file;
  private final SourceContext context;
  private final Windowing windowing;
  private final double[] times;
  private final float[][] samples;
  private final List<String> channels;
  private final OptionalDouble rate;
  private final boolean loop;

  SensorReplaySource(Path file, SourceContext context, Windowing windowing, double[] times, float[][] samples,
      List<String> channels, OptionalDouble rate, boolean loop) {
    this.loop = loop;
    this.file = file;
    this.context = context;
    this.windowing = windowing;
    this.times = times;
    this.samples = samples;
    this.channels = List.copyOf(channels);
    this.rate = rate;
  }

  /** Reads and checks the file and the window against the model input. */
  static SensorReplaySource open(String argument, SourceContext context) {
    Options o = Options.parse("sensor source", RecordingArguments.normalise(argument),
        List.of("file", "window", "hop", "rate", "columns", "unit", "loop"));
    Path file = Path.of(o.required("file"));
    NumericCsv csv = NumericCsv.read(file, "sensor recording");
    if (csv.columns().size() < 2) {
      throw new SplitstreamException("sensor recording " + file + " has " + csv.columns().size()
          + " column: give the time first, then at least one channel");
    }
    List<Integer> picked = new ArrayList<>();
    if (o.string("columns").isPresent()) {
      for (String name : o.pieces("columns").orElseThrow()) {
        int i = csv.column(name).filter(c -> c > 0).orElseThrow(() -> o.bad("columns", o.required("columns"),
            "names '" + name + "', which is not a channel of " + file + "; its channels are "
                + csv.columns().subList(1, csv.columns().size())));
        picked.add(i);
      }
    } else {
      for (int i = 1; i < csv.columns().size(); i++) {
        picked.add(i);
      }
    }
    String unit = o.string("unit").orElse(csv.columns().get(0).toLowerCase(Locale.ROOT).endsWith("ms") ? "ms" : "s");
    if (!unit.equals("s") && !unit.equals("ms")) {
      throw o.bad("unit", unit, "must be s or ms");
    }
    double scale = unit.equals("ms") ? 1e-3 : 1;
    int n = csv.rows().size();
    double[] times = new double[n];
    float[][] samples = new float[n][picked.size()];
    for (int r = 0; r < n; r++) {
      double[] row = csv.rows().get(r);
      times[r] = row[0] * scale;
      if (r > 0 && times[r] < times[r - 1]) {
        throw new SplitstreamException("sensor recording " + file + " line " + csv.lines()[r] + ", field 1 ("
            + csv.columns().get(0) + "): time " + row[0] + " is before the previous sample's, "
            + csv.rows().get(r - 1)[0] + " (line " + csv.lines()[r - 1] + "): times must not go back");
      }
      for (int c = 0; c < picked.size(); c++) {
        samples[r][c] = (float) row[picked.get(c)];
      }
    }
    Windowing w = Windowing.of(o, context.input(), 128);
    long[] shape = {1, w.window(), picked.size()};
    Windowing.check("sensor", shape, context.input(),
        "give window= and columns= (or a recording) that match it, or a model whose input fits the recording");
    if (w.count(n) == 0) {
      throw new SplitstreamException("sensor recording " + file + " has " + n + " samples, fewer than one window of "
          + w.window() + ": give a longer recording or a smaller window=");
    }
    List<String> names = picked.stream().map(i -> csv.columns().get(i)).toList();
    OptionalDouble rate = o.positive("rate").map(OptionalDouble::of).orElse(OptionalDouble.empty());
    SensorReplaySource source = new SensorReplaySource(file, context, w, times, samples, names, rate, Windowing.loop(o));
    if (source.loop && !(source.passSeconds() > 0)) {
      throw new SplitstreamException("sensor recording " + file + " spans no time, so loop=true would replay it forever"
          + " at one instant: give a recording whose timestamps advance, or rate=");
    }
    Windowing.checkLength("sensor recording " + file, context, source.loop, source.passSeconds());
    return source;
  }

  /** Windows the replay yields. */
  public long windows() {
    return windowing.count(times.length);
  }

  /**
   * How long one pass of the replay lasts at its pace: its windows at the nominal rate (at the
   * recording's timestamps, the span of its windows' due times and one mean gap more).
   */
  private double passSeconds() {
    if (rate.isPresent()) {
      return windows() / rate.getAsDouble();
    }
    int last = (int) ((windows() - 1) * windowing.hop() + windowing.window() - 1);
    double span = times[last] - times[windowing.window() - 1];
    // one window: a pass lasts its hop at the recording's mean sample spacing
    return windows() > 1 ? span * windows() / (windows() - 1)
        : windowing.hop() * (times[times.length - 1] - times[0]) / Math.max(1, times.length - 1);
  }

  private double dueInPass(long k) {
    return rate.isPresent() ? k / rate.getAsDouble()
        : times[(int) (k * windowing.hop() + windowing.window() - 1)] - times[windowing.window() - 1];
  }

  @Override
  public Flux<Frame> frames() {
    return Emission.of(context, context.paced(), Cursor::new);
  }

  @Override
  public String description() {
    return String.format(Locale.ROOT, "sensor recording %s: %d samples of %d channels %s, windows FLOAT32[1, %d, %d] every %d samples (%d windows), %s",
        file, times.length, channels.size(), channels, windowing.window(), channels.size(), windowing.hop(), windows(),
        !context.paced() ? "as fast as the pipeline takes them"
            : rate.isPresent() ? "at " + rate.getAsDouble() + " windows/s" : "at the recording's own timestamps");
  }

  @Override
  public boolean live() {
    return false;
  }

  @Override
  public OptionalDouble nominalRate() {
    if (!context.paced()) {
      return OptionalDouble.empty();
    }
    if (rate.isPresent()) {
      return rate;
    }
    int last = (int) ((windows() - 1) * windowing.hop() + windowing.window() - 1);
    double span = times[last] - times[windowing.window() - 1];
    return span > 0 ? OptionalDouble.of((windows() - 1) / span) : OptionalDouble.empty();
  }

  private final class Cursor implements FrameCursor {
    private long k = -1;

    @Override
    public OptionalLong advance() {
      if (++k >= windows() && !loop) {
        return OptionalLong.empty();
      }
      double due = Windowing.due(k, windows(), passSeconds(), SensorReplaySource.this::dueInPass);
      return OptionalLong.of(Math.round(due * 1e9));
    }

    @Override
    public TensorMap tensors() {
      int w = windowing.window();
      int c = channels.size();
      float[] v = new float[w * c];
      int start = (int) (k % windows() * windowing.hop());
      for (int i = 0; i < w; i++) {
        System.arraycopy(samples[start + i], 0, v, i * c, c);
      }
      return TensorMap.of(context.input().name(), Tensor.ofFloats(new long[] {1, w, c}, v));
    }

    @Override
    public void close() {}
  }
}
