package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.processor.TinyOnnx;
import io.splitstream.devices.tflite.TinyTflite;
import io.splitstream.loadgen.e2e.E2e.Cli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad input the CLI can be given ends the same way: exit code 2, exactly one line on stderr
 * that starts with {@code error: } and names the file or value at fault, and no stack trace on
 * either stream.
 */
class CliErrorsTest {
  /** A short simulated run that serves no metrics, so each case fails on its own input only. */
  private static final List<String> SIM =
      List.of("--simulate", "--duration", "1s", "--metrics-port", "-1", "--source", "synthetic:constant,rate=30");

  private static Path models;

  @TempDir Path dir;

  @BeforeAll
  static void models() {
    models = E2e.useRepositoryModels();
  }

  @Test
  void scenarioWithAnUnknownKey() throws IOException {
    Path f = Files.writeString(dir.resolve("bad.yaml"), "name: x\nevents:\n  - {at: 1s, processor: gpu, shares: 0.3}\n");
    assertBadInput(run("--scenario", f.toString()), "bad.yaml", "shares");
  }

  @Test
  void scenarioNamingAProcessorThePlatformLacks() throws IOException {
    Path f = Files.writeString(dir.resolve("dsp.yaml"), "name: x\nevents:\n  - {at: 1s, processor: dsp, share: 0.3}\n");
    assertBadInput(run("--scenario", f.toString()), "dsp");
  }

  @Test
  void scenarioEventsOutOfOrder() throws IOException {
    Path f = Files.writeString(dir.resolve("order.json"),
        "{\"name\": \"x\", \"events\": [{\"at\": \"5s\", \"rate\": 50}, {\"at\": \"2s\", \"rate\": 60}]}");
    assertBadInput(run("--scenario", f.toString()), "order.json", "events[1]");
  }

  @Test
  void unknownScenarioName() {
    assertBadInput(run("--scenario", "gpu-melts"), "gpu-melts", "cpu-contention");
  }

  @Test
  void capacityBelowOne() {
    assertBadInput(run("--capacity", "0"), "--capacity", "'0'");
    assertBadInput(E2e.cli("compare", "--scenario", "step", "--capacity", "-1", "--duration", "1s"), "--capacity", "'-1'");
  }

  @Test
  void adaptNeitherOnNorOff() {
    assertBadInput(run("--adapt", "maybe"), "--adapt", "maybe");
  }

  @Test
  void compareWithoutAScenarioOnAnotherSoc() {
    assertBadInput(E2e.cli("compare", "--soc", "sd845-pixel3", "--duration", "1s"), "compare needs a scenario");
  }

  @Test
  void missingModelFile() {
    assertBadInput(run("--model", "/nope/x.onnx"), "/nope/x.onnx");
  }

  @Test
  void corruptModelFile() throws IOException {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    Path f = Files.write(dir.resolve("noise.onnx"), noise);
    assertBadInput(run("--model", f.toString()), f.toString());
  }

  @Test
  void truncatedModelFile() throws IOException {
    byte[] whole = Files.readAllBytes(new ModelStore(models, false).resolve("blazeface"));
    Path f = Files.write(dir.resolve("half-blazeface.onnx"), Arrays.copyOf(whole, whole.length / 2));
    assertBadInput(run("--model", f.toString()), f.toString());
  }

  /** Cut 0 is before the first node, so it is the first value named. */
  @Test
  void cutsOutsideTheModel() {
    assertBadInput(E2e.cli("split", "--model", "blazeface", "--cuts", "0,5000"), "cut 0", "blazeface");
  }

  @Test
  void cutPastTheLastNode() {
    assertBadInput(E2e.cli("split", "--model", "blazeface", "--cuts", "5000"), "5000", "blazeface");
  }

  /*
   * The source, split and port cases run on the default model (BlazeFace) and on a generated
   * MobileNetV2: a simulated BlazeFace run fails at profiling while its cut segments' outputs have
   * dynamic shapes (zero outputs cannot be made), which hides the error under test; the generated
   * model's shapes are all static, so its variant checks the error itself.
   */

  @ParameterizedTest
  @ValueSource(strings = {"blazeface", "mobilenet"})
  void corruptVideo(String model) throws IOException {
    byte[] noise = new byte[64 * 1024];
    new Random(11).nextBytes(noise);
    Path f = Files.write(dir.resolve("noise.mp4"), noise);
    assertBadInput(E2e.cli(withModel(model, "run", "--source", "video:" + f, "--simulate", "--duration", "2s",
        "--metrics-port", "-1")), f.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"blazeface", "mobilenet"})
  void missingVideo(String model) {
    Path f = dir.resolve("absent.mp4");
    assertBadInput(E2e.cli(withModel(model, "run", "--source", "video:" + f, "--simulate", "--duration", "2s",
        "--metrics-port", "-1")), f.toString());
  }

  /** A model whose input is a [1,4] vector: no video frame can be shaped to it. */
  @Test
  void modelInputTheSourceCannotShape() throws IOException {
    byte[] gemm = TinyOnnx.named("gemm")
        .input("x", 1, 4)
        .weight("w", 4, 2)
        .weight("b", 2)
        .node("Gemm", List.of("x", "w", "b"), List.of("y"))
        .output("y", 1, 2)
        .bytes();
    Path f = Files.write(dir.resolve("gemm.onnx"), gemm);
    Cli c = E2e.cli("run", "--model", f.toString(), "--source", "testvideo:seconds=2,width=64,height=48",
        "--simulate", "--duration", "1s", "--metrics-port", "-1");
    assertBadInput(c, "[1, 4]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"blazeface", "mobilenet"})
  void splitNamingAnUnknownProcessor(String model) {
    Cli c = run(withModel(model, "--split", "0:cpu,5:tpu"));
    assertBadInput(c, "0:cpu,5:tpu");
    // the word, not the "tpu" inside "output"
    assertThat(c.errLines().get(0)).containsPattern("(?<![a-z])tpu(?![a-z])");
  }

  @ParameterizedTest
  @ValueSource(strings = {"blazeface", "mobilenet"})
  void metricsPortInUse(String model) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String port = Integer.toString(taken.getLocalPort());
      Cli c = E2e.cli(withModel(model, "run", "--metrics-port", port, "--duration", "1s", "--simulate",
          "--source", "synthetic:constant,rate=30"));
      assertBadInput(c, port);
    }
  }

  @Test
  void unknownSoc() {
    assertBadInput(run("--soc", "sd000-nosuchphone"), "sd000-nosuchphone");
  }

  @Test
  void executionProviderTheRuntimeLacksInRun() {
    Cli c = E2e.cli("run", "--processors", "cuda", "--duration", "1s", "--metrics-port", "-1",
        "--source", "synthetic:constant,rate=30");
    assertBadInput(c, "CUDA");
  }

  @Test
  void executionProviderTheRuntimeLacksInProfile() {
    assertBadInput(E2e.cli("profile", "--model", "blazeface", "--processors", "cuda"), "CUDA");
  }

  /** A TFLite model whose only op is a custom op no interpreter registers. */
  @Test
  void tfliteOpTheInterpreterLacks() throws IOException {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    Cli c = E2e.cli("run", "--model", f.toString(), "--processors", "tflite", "--duration", "1s",
        "--metrics-port", "-1", "--source", "synthetic:constant,rate=30");
    assertBadInput(c, "SplitstreamNoSuchOp");
  }

  /** A model given by path with dynamic dimensions used to run at 1x1 silently; now the source sets them. */
  @Test
  void dynamicDimensionsOfAModelByPathTakeTheVideosSize() {
    Path f = dir.resolve("dynamic.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.dynamicDims(3), f);
    Cli c = E2e.cli("run", "--model", f.toString(), "--source", "testvideo:seconds=1,width=64,height=48",
        "--simulate", "--duration", "1s", "--metrics-port", "-1", "--scenario", "none");
    assertThat(c.exit()).as("err: %s", c.err()).isZero();
    assertThat(c.out()).contains("input x [-1, 3, -1, -1] has dynamic dimensions: running at x=1,3,48,64, "
        + "the video's picture size 64x48, batch 1 (give --input-shape to choose others)");
    Cli synthetic = E2e.cli("run", "--model", f.toString(), "--simulate", "--duration", "1s", "--metrics-port", "-1",
        "--scenario", "none", "--source", "synthetic:constant,rate=30");
    assertThat(synthetic.exit()).as("err: %s", synthetic.err()).isZero();
    assertThat(synthetic.out()).contains("running at x=1,3,224,224, synthetic frames' default: batch 1, every other "
        + "dynamic dimension 224");
  }

  /**
   * profile and split of a model by path with dynamic dimensions and no source used to probe and cut
   * it at 1x1 silently; nothing sets those dimensions, so --input-shape is named (exit 2).
   */
  @ParameterizedTest
  @ValueSource(strings = {"profile", "split"})
  void dynamicDimensionsWithoutASourceNameInputShape(String command) {
    Path f = dir.resolve("dynamic.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.dynamicDims(3), f);
    Cli c = command.equals("split")
        ? E2e.cli("split", "--model", f.toString(), "--cuts", "1")
        : E2e.cli("profile", "--model", f.toString(), "--soc", E2e.SOC);
    assertBadInput(c, "has dynamic input dimensions (x [-1, 3, -1, -1])",
        "give them with --input-shape, e.g. --input-shape x=1,3,224,224");
  }

  /** The catalogue's ppocr-det copied to another path is the same file: it gets the catalogue's 320x320 hint. */
  @Test
  void aCatalogueFileByPathTakesTheCataloguesShapeHint() throws IOException {
    Path copy = Files.copy(new ModelStore(models, false).resolve("ppocr-det"), dir.resolve("det.onnx"));
    Cli c = E2e.cli("split", "--model", copy.toString(), "--cuts", "50");
    assertThat(c.exit()).as("err: %s", c.err()).isZero();
    assertThat(c.out()).contains("in: x[-1, 3, -1, -1] (1228800 bytes)", "in: p2o.Add.43[1, 48, 80, 80]");
  }

  /** Two dynamic inputs: no source sets both, so --input-shape is named. */
  @Test
  void dynamicDimensionsNoSourceSetsNameInputShape() throws IOException {
    byte[] add = TinyOnnx.named("two")
        .input("a", 1, -1)
        .input("b", 1, -1)
        .node("Add", List.of("a", "b"), List.of("y"))
        .output("y", 1, -1)
        .bytes();
    Path f = Files.write(dir.resolve("two.onnx"), add);
    assertBadInput(run("--model", f.toString()), "has dynamic input dimensions (a [1, -1], b [1, -1])",
        "give them with --input-shape, e.g. --input-shape a=1,224;b=1,224");
  }

  /** profile used to print "unsupp." and exit 0: nothing here runs the op, so it is named, exit 2. */
  @Test
  void profileOfAModelNoProcessorRunsNamesTheOp() throws IOException {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    assertBadInput(E2e.cli("profile", "--model", f.toString()), "holds op SplitstreamNoSuchOp",
        "no processor here supports (tflite)");
  }

  /** run --processors cpu used to say "runs on no available processor", with no word of tflite. */
  @Test
  void aTfliteModelOnOnnxRuntimeOnlyNamesTheTfliteProcessor() {
    assertBadInput(E2e.cli("run", "--model", "face-short", "--processors", "cpu", "--duration", "1s",
        "--metrics-port", "-1", "--source", "synthetic:constant,rate=30"),
        "is a TFLite model, which none of the processors cpu runs: add tflite to --processors");
  }

  /** Without --processors, profile takes the processor that runs the model's format. */
  @Test
  void profileOfATfliteModelUsesTheTfliteProcessorByDefault() {
    Cli c = E2e.cli("profile", "--model", "face-short", "--runs", "2");
    assertThat(c.exit()).as("err: %s", c.err()).isZero();
    assertThat(c.out()).contains("TFLite").contains("tflite ms").doesNotContain("unsupp.");
  }

  /** The Snapdragon 855's NPU lacks Sin, so a hand split putting all of the model there is refused. */
  @Test
  void segmentOnAProcessorLackingOneOfItsOps() {
    Path f = dir.resolve("with-sin.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.withOp("Sin", 1), f);
    assertBadInput(run("--model", f.toString(), "--split", "0:npu"), "Sin", "npu");
  }

  /** The arguments, with {@code --model} naming a generated MobileNetV2 file unless BlazeFace is asked for. */
  private String[] withModel(String model, String... args) {
    if (model.equals("blazeface")) {
      return args;
    }
    Path f = dir.resolve("mobilenet-small.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()), f);
    return Stream.concat(Arrays.stream(args), Stream.of("--model", f.toString())).toArray(String[]::new);
  }

  private static Cli run(String... args) {
    return E2e.cli(Stream.concat(Stream.of("run"), Stream.concat(Arrays.stream(args), SIM.stream()))
        .toArray(String[]::new));
  }

  private static void assertBadInput(Cli c, String... named) {
    System.out.println(c.err().strip());
    assertThat(c.exit()).as("exit code; err was:%n%s", c.err()).isEqualTo(2);
    assertThat(c.errLines()).as("stderr").hasSize(1);
    String line = c.errLines().get(0);
    assertThat(line).startsWith("error: ").contains(named);
    for (String stream : List.of(c.out(), c.err())) {
      assertThat(stream).doesNotContain("\tat ", "Exception in thread", "Caused by:");
    }
  }
}
