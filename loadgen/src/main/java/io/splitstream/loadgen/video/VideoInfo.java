package io.splitstream.loadgen.video;

/**
 * What probing a video found: its picture size, its frame rate (0 when the file does not say) and
 * its codec's short name.
 */
public record VideoInfo(int width, int height, double frameRate, String codec) {}
