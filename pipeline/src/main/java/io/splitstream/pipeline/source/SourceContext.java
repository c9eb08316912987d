package io.splitstream.pipeline.source;

import io.splitstream.devices.model.TensorSpec;
import java.time.Duration;
import java.util.Optional;
import reactor.core.scheduler.Scheduler;

/**
 * What a source needs to know to produce frames for one pipeline.
 *
 * @param input the model input the source must shape its frames to (resize, layout, normalise)
 * @param streamId the stream id stamped on every frame
 * @param scheduler every timer and capture timestamp goes through it (virtual in simulation mode)
 * @param duration stop after this much scheduler time, if set; otherwise run to the source's end
 * @param seed for every random choice, so a run can be repeated exactly
 * @param paced true: emit at the source's own rate (file frame rate, arrival process); false: as
 *     fast as the pipeline takes them
 */
public record SourceContext(
    TensorSpec input,
    String streamId,
    Scheduler scheduler,
    Optional<Duration> duration,
    long seed,
    boolean paced) {}
