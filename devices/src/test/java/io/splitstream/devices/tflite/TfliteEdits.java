package io.splitstream.devices.tflite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes broken copies of real TFLite models for tests: one operator code rewritten in place to an
 * op the runtime lacks. When the code table carries the 32-bit {@code builtin_code} field (schema
 * 2.4+), it becomes builtin code 200, which no TFLite release defines; otherwise the 8-bit
 * deprecated code becomes {@code CUSTOM} with no name.
 */
public final class TfliteEdits {
  /** The edited model (read from a temporary copy) and the op type Splitstream will name. */
  public record Edited(TfliteModel model, String opType) {}

  private TfliteEdits() {}

  public static Edited withUnknownOp(Path original, String opToReplace) {
    try {
      byte[] bytes = Files.readAllBytes(original);
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      TfliteGraph.Reader r = new TfliteGraph.Reader(b);
      int model = r.deref(0);
      String opType = null;
      for (int code : r.tables(model, 1)) {
        int deprecated = r.field(code, 0);
        int builtin = r.field(code, 3);
        int value = Math.max(deprecated < 0 ? 0 : b.get(deprecated), builtin < 0 ? 0 : b.getInt(builtin));
        if (!TfliteGraph.builtinName(value).equals(opToReplace)) {
          continue;
        }
        if (builtin >= 0 && deprecated >= 0) {
          b.put(deprecated, (byte) 127);
          b.putInt(builtin, 200);
          opType = "BUILTIN_200";
        } else if (deprecated >= 0) {
          b.put(deprecated, (byte) 32);
          opType = "CUSTOM";
        }
        break;
      }
      if (opType == null) {
        throw new IllegalArgumentException(original + " has no editable operator code " + opToReplace);
      }
      Path dir = Files.createTempDirectory("splitstream-tflite-edit");
      Path copy = dir.resolve(original.getFileName().toString().replace(".tflite", "-unknown-op.tflite"));
      Files.write(copy, bytes);
      copy.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return new Edited(TfliteModel.load(copy), opType);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
