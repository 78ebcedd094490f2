"""Pure posting logic: placeholders, double-entry lines, batch planning, bookkeeper reasons."""
