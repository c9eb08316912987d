package io.splitstream.loadgen.recording;

import java.util.ArrayList;
import java.util.List;

/** The argument of {@code sensor:} and {@code audio:} as {@link io.splitstream.loadgen.Options} takes it. */
final class RecordingArguments {
  private RecordingArguments() {}

  /**
   * {@code rec.csv,window=128,columns=ax,ay,az} becomes {@code file=rec.csv,window=128,columns=ax/ay/az}:
   * a first piece without {@code =} is the file, and pieces without {@code =} after {@code columns=}
   * are more column names.
   */
  static String normalise(String argument) {
    List<String> out = new ArrayList<>();
    String[] pieces = argument.split(",", -1);
    for (int i = 0; i < pieces.length; i++) {
      String p = pieces[i].trim();
      if (i == 0 && !p.contains("=")) {
        out.add("file=" + p);
      } else if (!p.contains("=") && !out.isEmpty() && out.get(out.size() - 1).startsWith("columns=")) {
        out.set(out.size() - 1, out.get(out.size() - 1) + "/" + p);
      } else {
        out.add(p);
      }
    }
    return String.join(",", out);
  }
}
