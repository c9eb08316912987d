package io.splitstream.pipeline.source;

import io.splitstream.devices.SplitstreamException;
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
}
