package io.splitstream.operators;

/** A test item: its sequence number and capture time on the test's virtual clock. */
record Item(long seq, long captureNanos) {}
