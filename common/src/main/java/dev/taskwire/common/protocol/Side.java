package dev.taskwire.common.protocol;

/** Which process answers: tells a client which error-code table a failure response uses. */
public enum Side {
  MASTER,
  SLAVE
}
