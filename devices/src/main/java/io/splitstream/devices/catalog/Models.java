package io.splitstream.devices.catalog;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.tflite.TfliteModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Opens a model the user names: a catalogue name (fetched when missing) or a file path, ONNX or
 * TFLite (told apart by the TFLite flatbuffer identifier {@code TFL3}, not by the file name).
 */
public final class Models {
  private Models() {}

  /**
   * @param shapes concrete shapes for dynamic inputs; when empty, a catalogue model's own hint
   *     applies, also to a catalogue model's file given by path (found by its SHA-256), so the same
   *     file behaves the same under either name
   * @throws SplitstreamException for a missing, unknown, corrupt or truncated model
   */
  public static Model open(String nameOrPath, InputShapes shapes, ModelStore store) {
    Path file = store.resolve(nameOrPath);
    InputShapes effective = shapes;
    if (shapes.isEmpty()) {
      effective = ModelCatalog.find(nameOrPath)
          .filter(m -> !m.inputShapeHint().isEmpty())
          .map(m -> InputShapes.parse(m.inputShapeHint()))
          .orElse(shapes);
    }
    if (isTflite(file)) {
      if (!shapes.isEmpty()) {
        throw new SplitstreamException("--input-shape does not apply to TFLite model " + file
            + ": its input shapes are fixed in the file");
      }
      return TfliteModel.load(file);
    }
    OnnxModel onnx = OnnxModel.load(file, effective);
    if (effective.isEmpty() && onnx.inputs().stream().anyMatch(t -> !t.isStatic())) {
      String sha = ModelStore.sha256(file);
      return ModelCatalog.all().stream()
          .filter(m -> m.sha256().equals(sha) && !m.inputShapeHint().isEmpty())
          .findFirst()
          .map(m -> onnx.withInputShapes(InputShapes.parse(m.inputShapeHint())))
          .orElse(onnx);
    }
    return onnx;
  }

  static boolean isTflite(Path file) {
    byte[] head = new byte[8];
    try (InputStream in = Files.newInputStream(file)) {
      int n = in.readNBytes(head, 0, 8);
      if (n == 8 && Arrays.equals(Arrays.copyOfRange(head, 4, 8), "TFL3".getBytes(StandardCharsets.US_ASCII))) {
        return true;
      }
    } catch (IOException e) {
      throw new SplitstreamException("cannot read model file " + file + ": " + e.getMessage()
          + "; check the path and its permissions", e);
    }
    return file.getFileName().toString().endsWith(".tflite");
  }
}
