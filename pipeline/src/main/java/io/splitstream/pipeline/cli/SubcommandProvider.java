package io.splitstream.pipeline.cli;

/**
 * A command a module above the pipeline (loadgen) adds to the CLI, found with {@link
 * java.util.ServiceLoader} like {@link io.splitstream.pipeline.source.FrameSourceProvider}, so the
 * CLI can offer {@code bench arrivals} or {@code loadgen sample} without depending on loadgen.
 */
public interface SubcommandProvider {
  /** The existing command to add it under, e.g. {@code bench}; empty for a top-level command. */
  String parent();

  /** A fresh picocli {@code @Command} object. */
  Object command();
}
