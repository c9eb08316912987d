package io.splitstream.loadgen.synthetic;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.loadgen.Emission;
import io.splitstream.loadgen.FrameCursor;
import io.splitstream.loadgen.arrival.ArrivalProcess;
import io.splitstream.loadgen.image.ImageInput;
import io.splitstream.loadgen.image.ImageTensors;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.loadgen.image.RgbImage;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.RateControl;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import reactor.core.publisher.Flux;

/**
 * Frames of pseudo-random content shaped to the model input, arriving by an {@link ArrivalProcess}.
 *
 * <p>Shape: the input's declared shape with dynamic dimensions filled in: dimension 0 (batch) becomes
 * 1 and every other dynamic dimension becomes {@value #DEFAULT_DYNAMIC_DIM} (a typical image side).
 * Content: when an image can fill the input ({@link ImageInput#of}), a random RGB image converted like a
 * video frame ([0, 1] floats or raw bytes); otherwise uniform values of the input's type (floats in
 * [0, 1), half floats on a 1/1024 grid in [0, 1), integers in [0, 255], booleans 0/1). Content is drawn from the seed: {@value #POOL_SIZE}
 * distinct tensors, built on first use and reused cyclically (frame {@code seq} carries tensor
 * {@code seq % POOL_SIZE}), which keeps the per-frame cost near zero and is safe because tensors are
 * immutable.
 *
 * <p>Paced ({@link SourceContext#paced()}): live, a frame at each arrival of the process (the first at
 * subscription), timed and stamped by the context's scheduler. Unpaced: not live, a frame per request.
 * Either way the stream completes after {@link SourceContext#duration()} if set, or when the arrivals
 * end (a trace told to stop), and never otherwise.
 * Each subscription starts the arrival sequence afresh.
 *
 * <p>Rate: a paced source has a {@link #rateControl()} that sets the process's base rate (constant,
 * Poisson: the rate; burst: the rate outside bursts, keeping factor, period and duty) while it runs,
 * from any thread. The change applies to each arrival drawn after it, on the context's clock; arrivals
 * already drawn keep their times (the emission runs at most two arrivals ahead of the last frame out,
 * so a change shows within two of the old gaps). It is shared by every subscription and lasts until
 * the next change. An unpaced source has no arrival rate and no rate control.
 */
public final class SyntheticSource implements FrameSource {
  /** What a dynamic non-batch dimension becomes. */
  public static final int DEFAULT_DYNAMIC_DIM = 224;

  static final int POOL_SIZE = 8;

  private final ArrivalProcess arrivals;
  private final SourceContext context;
  private final TensorSpec input;
  private final long[] shape;
  private final AtomicReferenceArray<Tensor> pool = new AtomicReferenceArray<>(POOL_SIZE);
  private final Rate rate;

  /** A source that emits frames for {@code context.input()} at the times {@code arrivals} gives. */
  public SyntheticSource(ArrivalProcess arrivals, SourceContext context) {
    if (arrivals instanceof io.splitstream.loadgen.arrival.TraceReplay trace && context.paced()) {
      context.duration().ifPresent(trace::checkLength);
    }
    this.arrivals = arrivals;
    this.context = context;
    this.input = context.input();
    this.shape = resolvedShape(input.shape());
    this.rate = new Rate(arrivals.rate());
  }

  /** The input shape with dynamic dimensions resolved as the class documentation says. */
  public static long[] resolvedShape(List<Long> declared) {
    long[] s = new long[declared.size()];
    for (int i = 0; i < s.length; i++) {
      long d = declared.get(i);
      s[i] = d >= 0 ? d : i == 0 ? 1 : DEFAULT_DYNAMIC_DIM;
    }
    return s;
  }

  @Override
  public java.util.Optional<ChosenShape> chosenInputShape() {
    return java.util.Optional.of(new ChosenShape(Arrays.stream(shape).boxed().toList(),
        "synthetic frames' default: batch 1, every other dynamic dimension " + DEFAULT_DYNAMIC_DIM));
  }

  @Override
  public Flux<Frame> frames() {
    return Emission.of(context, context.paced(), Cursor::new);
  }

  @Override
  public String description() {
    return "synthetic " + input.type() + Arrays.toString(shape) + " frames, "
        + (context.paced() ? "arrivals " + arrivals.spec() : "as fast as the pipeline takes them");
  }

  @Override
  public boolean live() {
    return context.paced();
  }

  @Override
  public Optional<RateControl> rateControl() {
    return context.paced() ? Optional.of(rate) : Optional.empty();
  }

  /** The tensor that frame {@code seq} carries. */
  Tensor tensorFor(long seq) {
    int slot = (int) Math.floorMod(seq, (long) POOL_SIZE);
    Tensor t = pool.get(slot);
    if (t == null) {
      // Two threads may race to build the same slot; both build identical content, so either wins.
      pool.compareAndSet(slot, null, build(new SplittableRandom(context.seed() * 31 + slot)));
      t = pool.get(slot);
    }
    return t;
  }

  private Tensor build(SplittableRandom random) {
    Optional<ImageInput> image = ImageInput.from(input);
    if (image.isPresent()) {
      ImageInput resolved = image.get().resolve(DEFAULT_DYNAMIC_DIM, DEFAULT_DYNAMIC_DIM);
      byte[] px = new byte[resolved.width() * resolved.height() * 3];
      random.nextBytes(px);
      return ImageTensors.toTensor(new RgbImage(resolved.width(), resolved.height(), px), resolved,
          PixelNormalization.UNIT);
    }
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    ElementType type = input.type();
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(n * type.bytes())).order(ByteOrder.nativeOrder());
    for (long i = 0; i < n; i++) {
      switch (type) {
        case FLOAT32 -> buf.putFloat(random.nextFloat());
        case DOUBLE -> buf.putDouble(random.nextDouble());
        case FLOAT16 -> buf.putShort(randomHalf(random));
        case UINT8, INT8 -> buf.put((byte) random.nextInt(256));
        case UINT16, INT16 -> buf.putShort((short) random.nextInt(256));
        case INT32 -> buf.putInt(random.nextInt(256));
        case INT64 -> buf.putLong(random.nextInt(256));
        case BOOL -> buf.put((byte) random.nextInt(2));
        default -> throw new IllegalStateException("no synthetic content defined for " + type);
      }
    }
    buf.flip();
    return Tensor.of(type, shape, buf);
  }

  /** A uniform value on the grid k/1024 in [0, 1), as IEEE half-precision bits (exact, no rounding). */
  private static short randomHalf(SplittableRandom random) {
    int k = random.nextInt(1024);
    if (k == 0) {
      return 0;
    }
    int e = 31 - Integer.numberOfLeadingZeros(k);
    return (short) (((e + 5) << 10) | ((k - (1 << e)) << (10 - e)));
  }

  /** The base rate in force, read by every cursor at each arrival it draws. */
  private static final class Rate implements RateControl {
    private volatile double framesPerSecond;

    Rate(double framesPerSecond) {
      this.framesPerSecond = framesPerSecond;
    }

    @Override
    public double rate() {
      return framesPerSecond;
    }

    @Override
    public void setRate(double framesPerSecond) {
      if (!(framesPerSecond > 0) || Double.isInfinite(framesPerSecond)) {
        throw new IllegalArgumentException("rate must be a finite number of frames/s above 0, got " + framesPerSecond);
      }
      this.framesPerSecond = framesPerSecond;
    }
  }

  /** One subscription's walk along the arrival sequence. */
  private final class Cursor implements FrameCursor {
    private final ArrivalProcess.Gaps gaps = arrivals.gaps(rate::rate);
    private long seq = -1;
    private long dueNanos;

    @Override
    public OptionalLong advance() {
      if (++seq > 0) {
        long gap = gaps.nextNanos();
        if (gap == ArrivalProcess.Gaps.END) {
          return OptionalLong.empty();
        }
        dueNanos += gap;
      }
      return OptionalLong.of(dueNanos);
    }

    @Override
    public TensorMap tensors() {
      return TensorMap.of(input.name(), tensorFor(seq));
    }

    @Override
    public void close() {}
  }
}
