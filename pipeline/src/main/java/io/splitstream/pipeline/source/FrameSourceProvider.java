package io.splitstream.pipeline.source;

/**
 * A kind of source, found with {@link java.util.ServiceLoader} so that modules above the pipeline
 * (loadgen) can add sources without the pipeline depending on them. A source is named on the
 * command line as {@code scheme:argument}, e.g. {@code video:clip.mp4} or
 * {@code synthetic:poisson,rate=30}.
 */
public interface FrameSourceProvider {
  /** The scheme before the colon, e.g. {@code video}. */
  String scheme();

  /** One line: the argument's syntax and an example, for {@code --help} and error messages. */
  String usage();

  /**
   * Opens a source. Cheap checks (file exists and decodes, the model input can be fed) happen
   * here, so a bad source fails before the pipeline starts.
   *
   * @throws io.splitstream.devices.SplitstreamException naming the problem and the remedy
   */
  FrameSource open(String argument, SourceContext context);
}
