package io.splitstream.devices.onnx;

import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Models shared by the tests of this package, loaded (and probed) once per test JVM: probing and
 * fetching cost seconds, and the models are immutable.
 */
final class TestModels {
  private static final Map<String, OnnxModel> CACHE = new ConcurrentHashMap<>();

  private TestModels() {}

  static OnnxModel mobileNetSmall() {
    return generated("mobilenet-small", () -> OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()));
  }

  static OnnxModel mobileNetLarge() {
    return generated("mobilenet-large", () -> OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge()));
  }

  static OnnxModel resNetSmall() {
    return generated("resnet-small", () -> OnnxModelGenerator.resNet(OnnxModelGenerator.resNetSmall()));
  }

  static OnnxModel multiHead() {
    return generated("multi-head", () -> OnnxModelGenerator.multiHead(3));
  }

  static OnnxModel dynamicDims() {
    return generated("dynamic-dims", () -> OnnxModelGenerator.dynamicDims(4));
  }

  static OnnxModel withErf() {
    return generated("op-erf", () -> OnnxModelGenerator.unsupportedOp(5));
  }

  static OnnxModel blazeface() {
    return CACHE.computeIfAbsent("blazeface", k -> OnnxModel.load(store().resolve("blazeface")));
  }

  /** PP-OCRv4 det at 1x3x320x320, its catalogue shape hint. */
  static OnnxModel ppocrDet() {
    return CACHE.computeIfAbsent("ppocr-det",
        k -> OnnxModel.load(store().resolve("ppocr-det"), InputShapes.parse("x=1,3,320,320")));
  }

  private static OnnxModel generated(String name, Supplier<ModelProto> gen) {
    return CACHE.computeIfAbsent(name, k -> OnnxModel.parse(name, gen.get().toByteArray()));
  }

  /**
   * The default store, except that a test run from the module folder with no cache configured uses
   * the repository's {@code models/} (ignored by git) rather than {@code devices/models/}.
   */
  static ModelStore store() {
    boolean configured = System.getProperty("splitstream.models") != null || System.getenv("SPLITSTREAM_MODELS") != null
        || System.getProperty("splitstream.home") != null;
    Path parent = Path.of("").toAbsolutePath().getParent();
    if (!configured && parent != null && Files.isDirectory(parent.resolve("devices"))) {
      return new ModelStore(parent.resolve("models"), false);
    }
    return ModelStore.defaultStore();
  }
}
