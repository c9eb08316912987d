package io.splitstream.loadgen.video;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.loadgen.Emission;
import io.splitstream.loadgen.FrameCursor;
import io.splitstream.loadgen.RunLength;
import io.splitstream.loadgen.image.ImageInput;
import io.splitstream.loadgen.image.ImageTensors;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.loadgen.image.RgbImage;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import reactor.core.publisher.Flux;

/**
 * Replays a video file (anything this FFmpeg build decodes) as frames for the model input.
 *
 * <p>Each picture, in display order, is scaled by FFmpeg (bilinear) to the input's height and width —
 * dynamic ones take the video's own size — then laid out as NHWC or NCHW, turned gray for one-channel
 * inputs, and for FLOAT32 inputs normalised with the given {@link PixelNormalization} (by default to
 * [0, 1]); UINT8 inputs get the raw bytes. See {@link ImageInput} for which inputs qualify.
 *
 * <p>{@link #open} probes the file and the model input, so an unreadable file or an input no image can
 * fill fails there, with a one-line {@link SplitstreamException}. {@link #frames()} opens its own decoder
 * per subscription and decodes lazily, one picture ahead at most, so memory stays bounded whatever the
 * file's length; the decoder is closed on complete, error and cancel. Paced at {@link ReplayRate#NATIVE}
 * or a fixed rate, frames are emitted at their due times on the context's scheduler as long as they
 * are requested by then ({@link Emission#paced}); a pipeline that falls behind under {@code block}
 * slows the replay rather than queueing frames. At {@link ReplayRate#MAX}, or when the context is
 * unpaced, it decodes on the requesting thread, one picture per requested frame. A
 * decoding error part-way ends the stream with a {@link SplitstreamException}.
 *
 * <p>Length: without {@code loop} the stream completes at the end of the file or after the context's
 * duration, whichever is first, and {@link #open} refuses a paced replay whose duration is longer
 * than one pass over the file (naming the file's length), so a run never ends early unannounced.
 * With {@code loop} the decoder starts the file again at its end, frame numbers and due times
 * running on (the next pass is due one frame interval after the last picture), until the
 * context's duration is over; without a duration a looped replay does not end.
 */
public final class VideoReplaySource implements FrameSource {
  /** Frame rate assumed for pacing when a file has neither usable timestamps nor a declared rate. */
  static final double FALLBACK_FPS = 30;

  private final Path file;
  private final ReplayRate rate;
  private final SourceContext context;
  private final PixelNormalization normalization;
  private final VideoInfo info;
  private final ImageInput input;
  private final boolean loop;

  private VideoReplaySource(Path file, ReplayRate rate, SourceContext context, PixelNormalization normalization,
      VideoInfo info, ImageInput input, boolean loop) {
    this.file = file;
    this.rate = rate;
    this.context = context;
    this.normalization = normalization;
    this.info = info;
    this.input = input;
    this.loop = loop;
  }

  /**
   * Checks that the model input can be fed from images and that the file decodes (its first picture),
   * then returns a source ready to replay it.
   *
   * @throws SplitstreamException naming the input and its shape, or the file and what is wrong with it
   */
  public static VideoReplaySource open(Path file, ReplayRate rate, SourceContext context,
      PixelNormalization normalization) {
    return open(file, rate, context, normalization, false);
  }

  /**
   * As {@link #open(Path, ReplayRate, SourceContext, PixelNormalization)}, replaying the file in a
   * loop when {@code loop} is set.
   *
   * @throws SplitstreamException also when, without {@code loop}, a paced replay's duration is
   *     longer than the file: the message gives the file's length and both remedies
   */
  public static VideoReplaySource open(Path file, ReplayRate rate, SourceContext context,
      PixelNormalization normalization, boolean loop) {
    ImageInput declared = ImageInput.of(context.input());
    VideoInfo info = probe(file);
    VideoReplaySource source = new VideoReplaySource(file, rate, context, normalization, info,
        declared.resolve(info.height(), info.width()), loop);
    if (!loop && source.paced()) {
      double fps = rate.kind() == ReplayRate.Kind.FIXED ? rate.fps() : 0;
      info.playTime(fps).ifPresent(length -> RunLength.check(context.duration(), length, "video '" + file + "'",
          "at " + (fps > 0 ? trim(fps) + " fps" : "its own rate"), "add ,loop=true to the source to replay it in a loop"));
    }
    return source;
  }

  @Override
  public java.util.Optional<ChosenShape> chosenInputShape() {
    return java.util.Optional.of(new ChosenShape(Arrays.stream(input.shape()).boxed().toList(),
        "the video's picture size " + info.width() + "x" + info.height() + ", batch 1"));
  }

  /** Whether the replay starts the file again at its end. */
  public boolean loops() {
    return loop;
  }

  /**
   * Opens the file, reads its stream parameters and decodes its first picture.
   *
   * @throws SplitstreamException naming the file when it is missing, unreadable, not a video or corrupt
   */
  public static VideoInfo probe(Path file) {
    if (!Files.exists(file)) {
      throw new SplitstreamException("video '" + file + "' does not exist; check the path");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new SplitstreamException("video '" + file + "' is not a readable file; check the path and permissions");
    }
    FFmpeg.init();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      try {
        g.start();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        throw unreadable(file, "FFmpeg can't open it: " + FFmpeg.describe(e));
      }
      if (!g.hasVideo() || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
        throw unreadable(file, "it has no video stream");
      }
      org.bytedeco.javacv.Frame first;
      try {
        first = g.grabImage();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        throw unreadable(file, "its first picture can't be decoded: " + FFmpeg.describe(e));
      }
      if (first == null || first.image == null) {
        throw unreadable(file, "it contains no decodable picture");
      }
      double fps = g.getFrameRate();
      return new VideoInfo(g.getImageWidth(), g.getImageHeight(),
          fps > 0 && Double.isFinite(fps) ? fps : 0, String.valueOf(g.getVideoCodecName()),
          Math.max(0, g.getLengthInVideoFrames()), Math.max(0, g.getLengthInTime()));
    } catch (FrameGrabber.Exception e) {
      throw unreadable(file, "FFmpeg failed closing it: " + FFmpeg.describe(e));
    }
  }

  private static SplitstreamException unreadable(Path file, String problem) {
    return new SplitstreamException("video '" + file + "' can't be replayed: " + problem
        + "; check that it is a complete video file, or re-encode it to H.264 MP4");
  }

  @Override
  public Flux<Frame> frames() {
    return Emission.of(context, paced(), Decoder::new);
  }

  @Override
  public String description() {
    return "video '" + file + "' " + info.width() + "x" + info.height() + " " + info.codec() + " at "
        + (info.frameRate() > 0 ? trim(info.frameRate()) + " fps" : "unknown rate") + " -> " + input.type()
        + Arrays.toString(input.shape()) + " " + input.layout() + ", "
        + (paced() ? "replayed at " + (rate.kind() == ReplayRate.Kind.NATIVE ? "its own rate" : rate)
            : "as fast as the pipeline takes frames")
        + (loop ? ", in a loop" : "");
  }

  /**
   * A file is not live: it can wait. Replayed at its own rate under {@code block} it slows down
   * when the pipeline falls behind; under a drop policy (unbounded demand) it keeps its rate and
   * the policy sheds, like a camera.
   */
  @Override
  public java.util.OptionalDouble nominalRate() {
    if (!paced()) {
      return java.util.OptionalDouble.empty();
    }
    double fps = rate.kind() == ReplayRate.Kind.FIXED ? rate.fps() : info.frameRate();
    return fps > 0 ? java.util.OptionalDouble.of(fps) : java.util.OptionalDouble.empty();
  }

  @Override
  public boolean live() {
    return false;
  }

  private boolean paced() {
    return context.paced() && rate.kind() != ReplayRate.Kind.MAX;
  }

  /** What probing found about the file. */
  public VideoInfo info() {
    return info;
  }

  /** The model input with its dynamic dimensions resolved: the shape of every frame's tensor. */
  public ImageInput input() {
    return input;
  }

  /** One subscription's decoder; used by one thread at a time (Emission guarantees it). */
  private final class Decoder implements FrameCursor {
    private final FFmpegFrameGrabber grabber;
    private final double nominalFps;
    /** Pictures emitted so far minus one, over all passes. */
    private long index = -1;
    /** Pictures emitted in the current pass over the file minus one. */
    private long passIndex = -1;
    /** Due time of the current pass's first picture (native replay). */
    private long passStartNanos;
    private long firstTimestampMicros;
    private long lastTimestampMicros;
    private long lastDueNanos;
    private Tensor current;

    Decoder() {
      FFmpeg.init();
      grabber = new FFmpegFrameGrabber(file.toFile());
      grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      grabber.setImageWidth(input.width());
      grabber.setImageHeight(input.height());
      try {
        grabber.start();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        close();
        throw unreadable(file, "FFmpeg can't open it: " + FFmpeg.describe(e));
      }
      nominalFps = rate.kind() == ReplayRate.Kind.FIXED ? rate.fps()
          : info.frameRate() > 0 ? info.frameRate() : FALLBACK_FPS;
    }

    @Override
    public OptionalLong advance() {
      org.bytedeco.javacv.Frame f;
      try {
        f = grabber.grabImage();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        throw new SplitstreamException("video '" + file + "': decoding picture " + (index + 1) + " failed: "
            + FFmpeg.describe(e) + "; the file may be truncated or corrupt", e);
      }
      if ((f == null || f.image == null) && loop && passIndex >= 0) {
        f = nextPass();
      }
      if (f == null || f.image == null) {
        return OptionalLong.empty();
      }
      index++;
      passIndex++;
      current = ImageTensors.toTensor(copy(f), input, normalization);
      long due = dueNanos(f.timestamp);
      lastDueNanos = due;
      return OptionalLong.of(due);
    }

    /** Starts the file again; the first picture of the new pass, or null when it has none. */
    private org.bytedeco.javacv.Frame nextPass() {
      try {
        grabber.restart();
        passIndex = -1;
        passStartNanos = lastDueNanos + Math.round(1e9 / nominalFps);
        return grabber.grabImage();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        throw new SplitstreamException("video '" + file + "': starting it again for the loop failed: "
            + FFmpeg.describe(e) + "; the file may be truncated or corrupt", e);
      }
    }

    /** Presentation time for native replay, the frame index otherwise; never earlier than the last. */
    private long dueNanos(long timestampMicros) {
      if (rate.kind() != ReplayRate.Kind.NATIVE) {
        return Math.round(index * 1e9 / nominalFps);
      }
      if (passIndex == 0) {
        firstTimestampMicros = timestampMicros;
        lastTimestampMicros = timestampMicros;
        return passStartNanos;
      }
      if (timestampMicros > lastTimestampMicros) {
        lastTimestampMicros = timestampMicros;
        return passStartNanos + (timestampMicros - firstTimestampMicros) * 1000;
      }
      // A missing or non-increasing timestamp (some raw streams have none): step at the nominal rate.
      return lastDueNanos + Math.round(1e9 / nominalFps);
    }

    private RgbImage copy(org.bytedeco.javacv.Frame f) {
      int w = f.imageWidth;
      int h = f.imageHeight;
      ByteBuffer src = (ByteBuffer) f.image[0];
      byte[] px = new byte[w * h * 3];
      int rowBytes = w * 3;
      if (f.imageStride == rowBytes) {
        src.get(0, px, 0, px.length);
      } else {
        for (int y = 0; y < h; y++) {
          src.get(y * f.imageStride, px, y * rowBytes, rowBytes);
        }
      }
      return new RgbImage(w, h, px);
    }

    @Override
    public TensorMap tensors() {
      return TensorMap.of(input.name(), current);
    }

    @Override
    public void close() {
      try {
        grabber.close();
      } catch (FrameGrabber.Exception | RuntimeException e) {
        // Closing releases native memory; a failure here leaves nothing the caller could act on.
      }
    }
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v);
  }
}
