package io.splitstream.pipeline.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import io.splitstream.devices.io.OutputFiles;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --log-level} and {@code --log-file}, on every command. By default (see {@code logback.xml})
 * only warnings and errors are logged, on stderr; {@link Main} applies these options before a
 * command runs.
 */
final class LoggingOptions {
  /** The appender {@code logback.xml} writes stderr with. */
  static final String CONSOLE = "STDERR";
  private static final String FILE = "splitstream-log-file";

  @Option(names = "--log-level", defaultValue = "warn", converter = LevelConverter.class,
      description = "least severe messages logged: error, warn, info, debug or trace (default: ${DEFAULT-VALUE})")
  Level level = Level.WARN;

  @Option(names = "--log-file", description = "write the log to this file (appending) instead of stderr")
  Path file;

  /** Sets the log level and destination for this command; undoes an earlier command's in the same JVM. */
  void apply() {
    if (file != null) {
      OutputFiles.checkWritableFile(file, "--log-file");
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // another SLF4J backend (a test's, an embedding application's) keeps its own settings
    }
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    // Kafka's clients and broker warn of every transient fault they then retry (a new topic's leader
    // not known yet, a broker restarting): at the default level only their errors show
    for (String kafka : new String[] {"org.apache.kafka", "kafka"}) {
      ctx.getLogger(kafka).setLevel(level.isGreaterOrEqual(Level.WARN) ? Level.ERROR : level);
    }
    Appender<ILoggingEvent> old = root.getAppender(FILE);
    if (old != null) {
      root.detachAppender(old);
      old.stop();
    }
    Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
    if (file == null) {
      return;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}: %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setName(FILE);
    appender.setContext(ctx);
    appender.setFile(file.toAbsolutePath().toString());
    appender.setAppend(true);
    appender.setEncoder(encoder);
    appender.start();
    root.addAppender(appender);
    if (console != null && console.getCopyOfAttachedFiltersList().stream().noneMatch(f -> f instanceof WhileAFileLogs)) {
      console.addFilter(new WhileAFileLogs(root));
    }
  }

  /** Keeps the console free of log lines while a {@code --log-file} takes them. */
  private static final class WhileAFileLogs extends ch.qos.logback.core.filter.Filter<ILoggingEvent> {
    private final Logger root;

    WhileAFileLogs(Logger root) {
      this.root = root;
    }

    @Override
    public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent event) {
      return root.getAppender(FILE) != null ? ch.qos.logback.core.spi.FilterReply.DENY
          : ch.qos.logback.core.spi.FilterReply.NEUTRAL;
    }
  }

  static final class LevelConverter implements ITypeConverter<Level> {
    @Override
    public Level convert(String value) {
      String v = value.trim().toUpperCase(Locale.ROOT);
      Level l = Level.toLevel(v, null);
      if (l == null || l == Level.ALL || l == Level.OFF) {
        throw new TypeConversionException("'" + value + "' is not a log level: give error, warn, info, debug or trace");
      }
      return l;
    }
  }
}
