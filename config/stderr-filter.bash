# Sourced by ./splitstream. Native libraries write to the process's stderr (fd 2) directly, past any
# Java logging: TFLite 2.6's minimal logger prints "INFO: Created TensorFlow Lite XNNPACK delegate for
# CPU." when an interpreter is built, and that version has no call to set its log severity. The
# launcher runs the JVM's stderr through this filter, which drops those native INFO lines and passes
# every other line through unchanged. It ignores Ctrl-C and SIGTERM so that it outlives the JVM's
# drain and the summary's last error lines still reach the terminal.
splitstream_filter_stderr() {
  trap '' INT TERM
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      "INFO: Created TensorFlow Lite XNNPACK delegate"*) ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}
