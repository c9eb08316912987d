package io.splitstream.loadgen.video;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Writes the project's own test video with FFmpeg through JavaCV, so no external tool or download is
 * needed: a skin-toned, face-like ellipse (two dark eyes, a mouth) drifting on a slowly scrolling
 * textured background. Every pixel is a function of the frame index, so the content is the same on
 * every run (the encoded bytes may differ between FFmpeg builds).
 *
 * <p>Codec: H.264 through libx264 or, in the bytedeco FFmpeg build that has no libx264,
 * libopenh264; MPEG-4 part 2 when neither exists ({@link #codec()} says which). Container: MP4.
 * Thread-safe: the file is written under a temporary name ({@code <name>.<pid>.<random>.part}) and
 * moved into place, so a reader never sees a half-written video and concurrent writers of the same
 * file are harmless. A partial file is deleted when writing fails or the JVM shuts down (Ctrl-C), and
 * one left behind by a killed process (its pid no longer runs) is deleted by the next {@link #ensure}.
 *
 * <p>Sizes are capped ({@link #MAX_SIDE}, {@link #MAX_PIXELS}) so a typo cannot start hours of
 * encoding; a clip is short and loops to fill a long run (see {@link TestVideoSourceProvider}).
 */
public final class TestVideo {
  /** The largest test video frame: 8K UHD, the most H.264's levels (6.2) take. */
  public static final int MAX_WIDTH = 7680;
  public static final int MAX_HEIGHT = 4320;

  /** Bumped when the drawing changes, so cached videos of an older look are not reused. */
  static final int CONTENT_VERSION = 1;

  private static final List<String> ENCODERS = List.of("libx264", "libopenh264", "mpeg4");

  /** Largest width or height of a generated video: 4K UHD's width. */
  public static final int MAX_SIDE = 3840;

  /**
   * Most pixels a generated video may hold over all its frames: 5 minutes of 640x480 at 30 fps
   * (2.76e9), about a minute of encoding on one core here. A longer run loops the clip instead.
   */
  public static final long MAX_PIXELS = 640L * 480 * 30 * 300;

  /** Told how many of the frames are written, after each; {@code done == total} at the end. */
  @FunctionalInterface
  public interface Progress {
    void written(int done, int total);

    Progress NONE = (done, total) -> {};
  }

  private TestVideo() {}

  /**
   * Returns {@code file}, writing the test video there first unless a non-empty file exists already.
   *
   * @param width even, at least 16
   * @param height even, at least 16
   * @param fps frames per second, above 0
   * @param length above zero; the video has {@code round(fps * seconds)} frames (at least 1)
   * @throws SplitstreamException when a parameter is out of range or the file can't be written
   */
  public static Path ensure(Path file, int width, int height, double fps, Duration length) {
    return ensure(file, width, height, fps, length, Progress.NONE);
  }

  /**
   * As {@link #ensure(Path, int, int, double, Duration)}, telling {@code progress} after every frame
   * written (nothing when the file exists already).
   */
  public static Path ensure(Path file, int width, int height, double fps, Duration length, Progress progress) {
    check(width, height, fps, length);
    try {
      if (Files.isRegularFile(file) && Files.size(file) > 0) {
        return file;
      }
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      deleteStaleParts(dir, file.getFileName().toString());
      Path tmp = Files.createTempFile(dir, file.getFileName() + "." + ProcessHandle.current().pid() + ".", ".part");
      Thread cleanup = new Thread(() -> deleteQuietly(tmp), "testvideo-part-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        write(tmp, width, height, fps, frameCount(fps, length), progress);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
          // already shutting down: the hook deletes what is left
        }
      }
      return file;
    } catch (IOException e) {
      throw new SplitstreamException("test video '" + file + "' can't be written: " + FFmpeg.firstLine(e)
          + "; check that its folder is writable or point splitstream.cache elsewhere", e);
    }
  }

  /**
   * Checks a test video's parameters, before anything is written.
   *
   * @throws SplitstreamException naming the parameter, the limit and the remedy
   */
  public static void check(int width, int height, double fps, Duration length) {
    if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0) {
      throw new SplitstreamException("test video size " + width + "x" + height
          + " is not usable: width and height must be even and at least 16");
    }
    if (width > MAX_SIDE || height > MAX_SIDE) {
      throw new SplitstreamException("test video size " + width + "x" + height + " is not usable: width and height "
          + "may be at most " + MAX_SIDE);
    }
    if (!(fps > 0) || fps > 1000) {
      throw new SplitstreamException("test video fps " + fps + " is not usable: give a rate in (0, 1000]");
    }
    if (length.isZero() || length.isNegative()) {
      throw new SplitstreamException("test video length " + length + " is not usable: give a positive length");
    }
    long pixels = (long) width * height * frameCount(fps, length);
    if (pixels > MAX_PIXELS) {
      throw new SplitstreamException(String.format(Locale.ROOT, "test video of %dx%d at %s fps for %s s is too "
          + "large to generate (%.2g pixels over its frames, at most %.2g: e.g. 300 s of 640x480 at 30 fps): "
          + "give fewer seconds or a smaller size; the clip loops, so --duration still sets how long a run lasts",
          width, height, trim(fps), trim(length.toMillis() / 1000.0), (double) pixels, (double) MAX_PIXELS));
    }
  }

  /** Deletes {@code <name>.<pid>.*.part} files in {@code dir} whose writing process no longer runs. */
  static void deleteStaleParts(Path dir, String name) throws IOException {
    try (var parts = Files.newDirectoryStream(dir, name + ".*.part")) {
      for (Path p : parts) {
        String rest = p.getFileName().toString().substring(name.length() + 1);
        int dot = rest.indexOf('.');
        long pid;
        try {
          pid = Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
          deleteQuietly(p);
        }
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a partial file that can't be deleted now is deleted by the next ensure
    }
  }

  /** The file name the cache uses for these parameters, e.g. {@code testvideo-v1-640x480-30fps-20s.mp4}. */
  public static String fileName(int width, int height, double fps, Duration length) {
    return String.format(Locale.ROOT, "testvideo-v%d-%dx%d-%sfps-%sms.mp4", CONTENT_VERSION, width, height,
        trim(fps), length.toMillis());
  }

  /**
   * The cache folder: system property {@code splitstream.cache}, else environment variable {@code
   * SPLITSTREAM_CACHE}, else {@code .splitstream/cache} under the working directory.
   */
  public static Path cacheDir() {
    String prop = System.getProperty("splitstream.cache");
    if (prop != null && !prop.isBlank()) {
      return Paths.get(prop);
    }
    String env = System.getenv("SPLITSTREAM_CACHE");
    if (env != null && !env.isBlank()) {
      return Paths.get(env);
    }
    return Paths.get(System.getProperty("user.dir"), ".splitstream", "cache");
  }

  /** The encoder this FFmpeg build uses for test videos: libx264, libopenh264 or mpeg4. */
  public static String codec() {
    return ENCODERS.stream()
        .filter(FFmpeg::hasEncoder)
        .findFirst()
        .orElseThrow(() -> new SplitstreamException(
            "this FFmpeg build has none of the encoders " + ENCODERS + "; use a bytedeco ffmpeg artifact"));
  }

  /** Frames in a video of that rate and length: {@code round(fps * seconds)}, at least 1. */
  public static int frameCount(double fps, Duration length) {
    return (int) Math.max(1, Math.round(fps * length.toNanos() / 1e9));
  }

  /** Draws frame {@code index} (packed RGB, {@code width*height*3} bytes) into {@code rgb}. */
  static void draw(byte[] rgb, byte[] background, int width, int height, int index, double fps) {
    double t = index / fps;
    // Background scrolls a little each frame, so the encoder sees motion everywhere.
    int shift = (int) Math.round(t * width / 10.0);
    for (int y = 0; y < height; y++) {
      int row = y * width * 3;
      for (int x = 0; x < width; x++) {
        int sx = Math.floorMod(x + shift, width);
        int o = row + x * 3;
        int s = row + sx * 3;
        rgb[o] = background[s];
        rgb[o + 1] = background[s + 1];
        rgb[o + 2] = background[s + 2];
      }
    }
    int side = Math.min(width, height);
    double ry = 0.24 * side;
    double rx = 0.18 * side;
    // Lissajous drift that stays inside the frame.
    double cx = width / 2.0 + (width / 2.0 - rx - 1) * 0.8 * Math.sin(2 * Math.PI * t / 7.0);
    double cy = height / 2.0 + (height / 2.0 - ry - 1) * 0.8 * Math.sin(2 * Math.PI * t / 5.0 + 0.7);
    fillEllipse(rgb, width, height, cx, cy, rx, ry, 224, 172, 140);
    double eyeR = Math.max(1.0, 0.14 * rx);
    fillEllipse(rgb, width, height, cx - 0.38 * rx, cy - 0.22 * ry, eyeR, eyeR, 35, 25, 25);
    fillEllipse(rgb, width, height, cx + 0.38 * rx, cy - 0.22 * ry, eyeR, eyeR, 35, 25, 25);
    fillEllipse(rgb, width, height, cx, cy + 0.48 * ry, 0.4 * rx, Math.max(1.0, 0.08 * ry), 150, 60, 60);
  }

  /** A textured, deterministic background: checkerboard, gradient and a hashed grain. */
  static byte[] background(int width, int height) {
    byte[] bg = new byte[width * height * 3];
    int cell = Math.max(4, Math.min(width, height) / 8);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        boolean dark = ((x / cell) + (y / cell)) % 2 == 0;
        int grain = (int) (mix(x * 73856093L ^ y * 19349663L) & 31) - 16;
        int base = (dark ? 70 : 120) + 60 * x / width + grain;
        int o = (y * width + x) * 3;
        bg[o] = (byte) clamp(base - 10);
        bg[o + 1] = (byte) clamp(base + 20 * y / height);
        bg[o + 2] = (byte) clamp(base + 30);
      }
    }
    return bg;
  }

  private static void write(Path tmp, int width, int height, double fps, int frames, Progress progress)
      throws IOException {
    String codec = codec();
    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(tmp.toFile(), width, height, 0)) {
      recorder.setFormat("mp4");
      recorder.setVideoCodecName(codec);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      recorder.setFrameRate(fps);
      recorder.setGopSize((int) Math.max(1, Math.round(fps)));
      if (codec.equals("mpeg4")) {
        recorder.setVideoQuality(4);
      } else {
        // About 0.2 bits per pixel: a clean picture without a large file.
        recorder.setVideoBitrate((int) Math.min(Integer.MAX_VALUE, Math.max(100_000, 0.2 * width * height * fps)));
      }
      recorder.start();
      byte[] bg = background(width, height);
      byte[] rgb = new byte[width * height * 3];
      Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
      ByteBuffer buf = (ByteBuffer) frame.image[0];
      for (int i = 0; i < frames; i++) {
        draw(rgb, bg, width, height, i, fps);
        for (int y = 0; y < height; y++) {
          buf.put(y * frame.imageStride, rgb, y * width * 3, width * 3);
        }
        recorder.record(frame, avutil.AV_PIX_FMT_RGB24);
        progress.written(i + 1, frames);
      }
      recorder.stop();
    }
  }

  private static void fillEllipse(byte[] rgb, int width, int height, double cx, double cy, double rx, double ry,
      int r, int g, int b) {
    int y0 = Math.max(0, (int) Math.floor(cy - ry));
    int y1 = Math.min(height - 1, (int) Math.ceil(cy + ry));
    int x0 = Math.max(0, (int) Math.floor(cx - rx));
    int x1 = Math.min(width - 1, (int) Math.ceil(cx + rx));
    for (int y = y0; y <= y1; y++) {
      double dy = (y + 0.5 - cy) / ry;
      for (int x = x0; x <= x1; x++) {
        double dx = (x + 0.5 - cx) / rx;
        if (dx * dx + dy * dy <= 1) {
          // A little shading towards the rim makes it read as a rounded face, not a flat disc.
          double shade = 1 - 0.25 * (dx * dx + dy * dy);
          int o = (y * width + x) * 3;
          rgb[o] = (byte) clamp((int) (r * shade));
          rgb[o + 1] = (byte) clamp((int) (g * shade));
          rgb[o + 2] = (byte) clamp((int) (b * shade));
        }
      }
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
