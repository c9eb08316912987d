package io.splitstream.pipeline.source;

import io.splitstream.devices.SplitstreamException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds the source a {@code scheme:argument} string names among the installed providers. */
public final class Sources {
  private Sources() {}

  public static List<FrameSourceProvider> providers() {
    return ServiceLoader.load(FrameSourceProvider.class).stream().map(ServiceLoader.Provider::get).toList();
  }

  /**
   * Opens the source {@code spec} names, e.g. {@code video:clip.mp4} or {@code testvideo}.
   *
   * @throws SplitstreamException for an unknown scheme (listing the installed ones) or whatever
   *     the provider refuses
   */
  public static FrameSource open(String spec, SourceContext context) {
    int colon = spec.indexOf(':');
    String scheme = colon < 0 ? spec : spec.substring(0, colon);
    String argument = colon < 0 ? "" : spec.substring(colon + 1);
    List<FrameSourceProvider> all = providers();
    return all.stream()
        .filter(p -> p.scheme().equals(scheme))
        .findFirst()
        .orElseThrow(() -> new SplitstreamException("unknown source '" + spec + "': "
            + (all.isEmpty() ? "no source providers are installed (run through ./splitstream, which puts loadgen on the classpath)"
                : "use one of " + all.stream().map(p -> p.scheme() + " (" + p.usage() + ")").collect(Collectors.joining("; ")))))
        .open(argument, context);
  }

  /** The id of stream {@code i} of {@code n}: the context's own id for a single stream, else {@code stream<i>}. */
  public static String streamId(SourceContext base, int i, int n) {
    return n == 1 ? base.streamId() : "stream" + i;
  }

  /**
   * Opens {@code n} streams into one pipeline: stream {@code i} is {@code specs.get(i % specs.size())},
   * opened with its own stream id ({@link #streamId}) and its own seed ({@code base.seed() + i}: a spec
   * without a seed of its own gets an independent random sequence per stream). One stream is simply
   * that source; more are a {@link MergedSource}.
   *
   * @throws SplitstreamException for a bad spec (as {@link #open}) or {@code n < 1}
   */
  public static FrameSource openStreams(List<String> specs, int n, SourceContext base) {
    if (n < 1) {
      throw new SplitstreamException("--streams " + n + " is not positive: give at least 1 stream");
    }
    if (specs.isEmpty()) {
      throw new SplitstreamException("no source given: give --source, e.g. --source synthetic:constant,rate=30");
    }
    if (n == 1) {
      return open(specs.get(0), base);
    }
    List<FrameSource> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SourceContext ctx = new SourceContext(base.input(), streamId(base, i, n), base.scheduler(), base.duration(),
          base.seed() + i, base.paced());
      all.add(open(specs.get(i % specs.size()), ctx));
    }
    return new MergedSource(all);
  }
}
