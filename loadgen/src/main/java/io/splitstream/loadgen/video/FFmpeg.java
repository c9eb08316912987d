package io.splitstream.loadgen.video;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/** Process-wide FFmpeg settings and probes, done once. */
final class FFmpeg {
  private static final Pattern ERROR_CODE = Pattern.compile("\\berror (-\\d+)");

  private FFmpeg() {}

  private static final class Init {
    static {
      // Our exceptions carry FFmpeg's message in one line; its own console chatter only confuses.
      avutil.av_log_set_level(avutil.AV_LOG_FATAL);
    }

    static void touch() {}
  }

  /** Loads the native libraries (first call only) and quiets FFmpeg's logging. */
  static void init() {
    Init.touch();
  }

  /** True when this FFmpeg build has an encoder of that name. */
  static boolean hasEncoder(String name) {
    init();
    var codec = avcodec.avcodec_find_encoder_by_name(name);
    return codec != null && !codec.isNull();
  }

  /**
   * FFmpeg's own words for a JavaCV exception, e.g. {@code Invalid data found when processing input
   * (error -1094995529)}; JavaCV's message wraps the code in advice about its API that would only
   * mislead a user. Falls back to the first line of the message.
   */
  static String describe(Throwable t) {
    Matcher m = ERROR_CODE.matcher(String.valueOf(t.getMessage()));
    if (m.find()) {
      try {
        int code = Integer.parseInt(m.group(1));
        try (BytePointer buf = new BytePointer(256)) {
          if (avutil.av_strerror(code, buf, 256) == 0) {
            byte[] text = new byte[256];
            buf.get(text);
            int end = 0;
            while (end < text.length && text[end] != 0) {
              end++;
            }
            return new String(text, 0, end, StandardCharsets.UTF_8) + " (error " + code + ")";
          }
        }
      } catch (NumberFormatException e) {
        // not a code after all: fall through to the raw message
      }
    }
    return firstLine(t);
  }

  /** The first line of a throwable's message, for one-line errors. */
  static String firstLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).trim();
  }
}
