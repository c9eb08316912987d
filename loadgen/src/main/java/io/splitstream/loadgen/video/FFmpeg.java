package io.splitstream.loadgen.video;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/** Process-wide FFmpeg settings and probes, done once. */
final class FFmpeg {
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

  /** The first line of a throwable's message, for one-line errors. */
  static String firstLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).trim();
  }
}
