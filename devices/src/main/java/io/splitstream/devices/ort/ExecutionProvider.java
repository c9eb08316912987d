package io.splitstream.devices.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.SplitstreamException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ONNX Runtime execution providers Splitstream can ask for by name, each with how to add it to
 * a session and what to do when this build lacks it. Names are lower case, as on the command line.
 */
public enum ExecutionProvider {
  CPU("cpu", OrtProvider.CPU, "it is always present"),
  CUDA("cuda", OrtProvider.CUDA,
      "use com.microsoft.onnxruntime:onnxruntime_gpu with CUDA 12 and cuDNN 9 on the library path, or choose a cpu processor"),
  TENSORRT("tensorrt", OrtProvider.TENSOR_RT,
      "use com.microsoft.onnxruntime:onnxruntime_gpu with TensorRT 10 (libnvinfer.so.10), CUDA 12 and cuDNN 9 on the library path, or choose cuda or cpu"),
  OPENVINO("openvino", OrtProvider.OPEN_VINO,
      "build ONNX Runtime with --use_openvino (Intel publishes onnxruntime-openvino for Python only) and put the OpenVINO runtime on the library path, or choose cpu"),
  DNNL("dnnl", OrtProvider.DNNL,
      "build ONNX Runtime with --use_dnnl and put libdnnl on the library path, or choose cpu"),
  ROCM("rocm", OrtProvider.ROCM,
      "build ONNX Runtime with --use_rocm against your ROCm install, or choose cpu"),
  DIRECTML("directml", OrtProvider.DIRECT_ML,
      "run on Windows with com.microsoft.onnxruntime:onnxruntime built with DirectML, or choose cpu"),
  COREML("coreml", OrtProvider.CORE_ML,
      "run on macOS or iOS, where the onnxruntime package includes Core ML, or choose cpu"),
  NNAPI("nnapi", OrtProvider.NNAPI,
      "run on Android with com.microsoft.onnxruntime:onnxruntime-android, or choose cpu"),
  QNN("qnn", OrtProvider.QNN,
      "run on a Snapdragon device with an ONNX Runtime build that has QNN (onnxruntime-android-qnn) and the QNN HTP libraries, or choose cpu"),
  XNNPACK("xnnpack", OrtProvider.XNNPACK,
      "build ONNX Runtime with --use_xnnpack (the Android and iOS packages have it), or choose cpu");

  private final String cliName;
  private final OrtProvider ortProvider;
  private final String remedy;

  ExecutionProvider(String cliName, OrtProvider ortProvider, String remedy) {
    this.cliName = cliName;
    this.ortProvider = ortProvider;
    this.remedy = remedy;
  }

  /** The name used on the command line and in processor specs, e.g. {@code tensorrt}. */
  public String cliName() {
    return cliName;
  }

  public OrtProvider ortProvider() {
    return ortProvider;
  }

  /** What to install or choose when this build lacks the provider. */
  public String remedy() {
    return remedy;
  }

  /**
   * The provider called {@code name} (case-insensitive; {@code trt}, {@code open_vino},
   * {@code dml} and {@code core_ml} are accepted too).
   *
   * @throws SplitstreamException listing the valid names
   */
  public static ExecutionProvider byName(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    switch (n) {
      case "trt":
        return TENSORRT;
      case "dml":
        return DIRECTML;
      case "onednn":
        return DNNL;
      default:
        break;
    }
    return Arrays.stream(values())
        .filter(p -> p.cliName.equals(n))
        .findFirst()
        .orElseThrow(() -> new SplitstreamException("unknown execution provider '" + name + "': use one of "
            + Arrays.stream(values()).map(ExecutionProvider::cliName).collect(Collectors.joining(", "))));
  }

  /** Whether the loaded ONNX Runtime build has this provider. */
  public boolean available() {
    return OrtEnvironment.getAvailableProviders().contains(ortProvider);
  }

  /** @throws ProviderUnavailableException naming what the build has and the remedy */
  void requireAvailable() {
    EnumSet<OrtProvider> have = OrtEnvironment.getAvailableProviders();
    if (!have.contains(ortProvider)) {
      throw new ProviderUnavailableException(cliName, "execution provider " + ortProvider.name()
          + " is not in this ONNX Runtime build (it has: "
          + have.stream().map(Enum::name).collect(Collectors.joining(", ")) + "): " + remedy);
    }
  }

  /** Adds this provider (device 0, default options) to {@code options}. */
  void addTo(OrtSession.SessionOptions options) throws OrtException {
    switch (this) {
      case CPU -> options.addCPU(true);
      case CUDA -> options.addCUDA(0);
      case TENSORRT -> options.addTensorrt(0);
      case OPENVINO -> options.addOpenVINO("CPU");
      case DNNL -> options.addDnnl(true);
      case ROCM -> options.addROCM(0);
      case DIRECTML -> options.addDirectML(0);
      case COREML -> options.addCoreML();
      case NNAPI -> options.addNnapi();
      case QNN -> options.addQnn(Map.of("backend_path", "libQnnHtp.so"));
      case XNNPACK -> options.addXnnpack(Map.of());
      default -> throw new IllegalStateException("no way to add " + this);
    }
  }
}
