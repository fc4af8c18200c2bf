package dev.taskwire.common.protocol;

/** Which process answers: tells a client which error-code table a failure response uses. */
public enum Side {
  MASTER,
  SLAVE,
  /** The master's admin API: its codes map to no protocol table, so failures are plain {@link ResponseException}s. */
  ADMIN
}
