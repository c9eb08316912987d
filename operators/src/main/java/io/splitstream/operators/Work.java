package io.splitstream.operators;

/**
 * One item handed to one worker of an {@link OrderedStage}.
 *
 * @param worker the worker serving it (e.g. a segment loaded on a processor)
 * @param workerIndex the worker's position in the stage's worker list, from 0
 * @param item the value to work on
 * @param enqueuedNanos when the item became ready for this stage (scheduler clock)
 * @param startedNanos when this worker took it (scheduler clock)
 */
public record Work<W, T>(W worker, int workerIndex, T item, long enqueuedNanos, long startedNanos) {}
