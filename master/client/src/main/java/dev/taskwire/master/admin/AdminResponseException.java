package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.ResponseException;
import java.util.Map;

/**
 * A failure answered by the admin API, with one nested subclass per {@link AdminErrorCode}. Catch the
 * subclass for one failure, or this class for any failure of the admin API. Status, code, message
 * and data are the answer's; the code is the admin code, except for {@link SlaveRefused}, which
 * carries the slave's.
 *
 * <p>The master's {@code AdminApi} throws these and its server answers them as envelopes; {@link
 * MasterClient} throws them for the answers it receives ({@link #fromResponse(ResponseException)}).
 * The keys of their data are public constants, so that both sides name them alike.
 */
public class AdminResponseException extends ResponseException {
  private final AdminErrorCode errorCode;

  AdminResponseException(AdminErrorCode errorCode, int httpStatus, int code, String message, Map<String, Object> data) {
    super(httpStatus, false, code, message, data);
    this.errorCode = errorCode;
  }

  /** The error code as a constant ({@link AdminErrorCode#SLAVE_REFUSED} for a slave's refusal). */
  public AdminErrorCode errorCode() {
    return errorCode;
  }

  /**
   * The exception for a failure {@code answer} of the admin API, as the HTTP client threw it: the
   * subclass of its admin code; {@link SlaveRefused} for a slave's code passed through (its data has
   * {@code slaveStatus}); {@link Unauthorized} for an HTTP 401 without an admin code (a proxy in
   * front refusing the credentials). Anything else (an HTTP-level failure such as 413 or 429, an
   * answer that is not an envelope) is {@code answer} itself.
   */
  public static ResponseException fromResponse(ResponseException answer) {
    if (answer instanceof AdminResponseException || answer.success()) {
      return answer;
    }
    AdminErrorCode code = AdminErrorCode.forCode(answer.code());
    if (code != null) {
      return create(code, answer.httpStatus(), answer.code(), answer.responseMessage(), answer.data());
    }
    if (answer.data().get(SlaveRefused.SLAVE_STATUS) instanceof Integer) {
      return new SlaveRefused(answer.httpStatus(), answer.code(), answer.responseMessage(), answer.data());
    }
    if (answer.httpStatus() == AdminErrorCode.UNAUTHORIZED.httpStatus()) {
      return new Unauthorized(answer.httpStatus(), answer.code(), answer.responseMessage(), answer.data());
    }
    return answer;
  }

  /** The subclass for {@code errorCode}, with the status and code actually answered. */
  static AdminResponseException create(
      AdminErrorCode errorCode, int httpStatus, int code, String message, Map<String, Object> data) {
    return switch (errorCode) {
      case UNAUTHORIZED -> new Unauthorized(httpStatus, code, message, data);
      case NOT_FOUND -> new NotFound(httpStatus, message, data);
      case BAD_REQUEST -> new BadRequest(httpStatus, message, data);
      case CONFLICT -> new Conflict(httpStatus, message, data);
      case SLAVE_UNREACHABLE -> new SlaveUnreachable(httpStatus, message, data);
      case SLAVE_REFUSED -> new SlaveRefused(httpStatus, code, message, data);
      case QUEUE_FULL -> new QueueFull(httpStatus, message, data);
      case TOO_MANY_STREAMS -> new TooManyStreams(httpStatus, message, data);
      case ANSWER_TOO_LARGE -> new AnswerTooLarge(httpStatus, message, data);
      case STORE_UNAVAILABLE -> new StoreUnavailable(httpStatus, message, data);
    };
  }

  /**
   * UNAUTHORIZED: no {@code Authorization: Bearer} header, a wrong admin token (401), or the header
   * given twice (400).
   */
  public static final class Unauthorized extends AdminResponseException {
    public Unauthorized(int httpStatus, String message, Map<String, Object> data) {
      this(httpStatus, AdminErrorCode.UNAUTHORIZED.code(), message, data);
    }

    Unauthorized(int httpStatus, int code, String message, Map<String, Object> data) {
      super(AdminErrorCode.UNAUTHORIZED, httpStatus, code, message, data);
    }
  }

  /** NOT_FOUND: no live connection, remembered task or kept job with that name or id. */
  public static final class NotFound extends AdminResponseException {
    public NotFound(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.NOT_FOUND, httpStatus, AdminErrorCode.NOT_FOUND.code(), message, data);
    }
  }

  /** BAD_REQUEST: a body, parameter or value that is malformed or out of range. */
  public static final class BadRequest extends AdminResponseException {
    public BadRequest(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.BAD_REQUEST, httpStatus, AdminErrorCode.BAD_REQUEST.code(), message, data);
    }
  }

  /** CONFLICT: a live connection already has that name, or the connection is not in a state for this. */
  public static final class Conflict extends AdminResponseException {
    public Conflict(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.CONFLICT, httpStatus, AdminErrorCode.CONFLICT.code(), message, data);
    }
  }

  /** SLAVE_UNREACHABLE: the slave could not be reached. */
  public static final class SlaveUnreachable extends AdminResponseException {
    public SlaveUnreachable(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.SLAVE_UNREACHABLE, httpStatus, AdminErrorCode.SLAVE_UNREACHABLE.code(), message, data);
    }
  }

  /**
   * SLAVE_REFUSED: the slave refused (wrong channel, no free slot, its hook said no). {@link #code()}
   * is the slave's code, and {@link #slaveStatus()} the HTTP status the slave answered.
   */
  public static final class SlaveRefused extends AdminResponseException {
    /** The key of the slave's HTTP status in the answer's data. */
    public static final String SLAVE_STATUS = "slaveStatus";

    public SlaveRefused(int httpStatus, int slaveCode, String message, Map<String, Object> data) {
      super(AdminErrorCode.SLAVE_REFUSED, httpStatus, slaveCode, message, data);
    }

    /** The HTTP status the slave answered ({@code data.slaveStatus}), or -1 if the answer lacks it. */
    public int slaveStatus() {
      return data().get(SLAVE_STATUS) instanceof Integer status ? status : -1;
    }
  }

  /**
   * QUEUE_FULL (429): the scheduler's queue has no room for the jobs submitted, and none of them was
   * queued; {@link #capacity()} is the queue's capacity.
   */
  public static final class QueueFull extends AdminResponseException {
    /** The key of the queue's capacity in the answer's data. */
    public static final String CAPACITY = "capacity";
    /** The key of the number of jobs queued when it was refused. */
    public static final String QUEUED = "queued";

    public QueueFull(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.QUEUE_FULL, httpStatus, AdminErrorCode.QUEUE_FULL.code(), message, data);
    }

    /** The queue's capacity ({@code data.capacity}), or -1 if the answer lacks it. */
    public int capacity() {
      return data().get(CAPACITY) instanceof Integer capacity ? capacity : -1;
    }

    /** How many jobs were queued when it was refused ({@code data.queued}), or -1 if the answer lacks it. */
    public int queued() {
      return data().get(QUEUED) instanceof Integer queued ? queued : -1;
    }
  }

  /**
   * TOO_MANY_STREAMS (429): the master serves as many event streams as it allows at once; {@link
   * #max()} is that number.
   */
  public static final class TooManyStreams extends AdminResponseException {
    /** The key of the most streams at once in the answer's data. */
    public static final String MAX = "max";

    public TooManyStreams(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.TOO_MANY_STREAMS, httpStatus, AdminErrorCode.TOO_MANY_STREAMS.code(), message, data);
    }

    /** The most event streams the master serves at once ({@code data.max}), or -1 if the answer lacks it. */
    public int max() {
      return data().get(MAX) instanceof Integer max ? max : -1;
    }
  }

  /**
   * ANSWER_TOO_LARGE (413): the answer would hold more bytes of jobs or tasks than the master
   * answers at once, and was refused before it was built. Ask for fewer at once ({@link #fit()} of
   * them fit), or for ones with smaller data and results.
   */
  public static final class AnswerTooLarge extends AdminResponseException {
    /** The key of the most bytes the master answers at once in the answer's data. */
    public static final String MAX_BYTES = "maxBytes";
    /** The key of the bytes counted when the count passed the limit (the answer holds at least these). */
    public static final String AT_LEAST_BYTES = "atLeastBytes";
    /** The key of how many of the jobs or tasks asked for, in order, fit within the limit. */
    public static final String FIT = "fit";

    public AnswerTooLarge(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.ANSWER_TOO_LARGE, httpStatus, AdminErrorCode.ANSWER_TOO_LARGE.code(), message, data);
    }

    /** The most bytes the master answers at once ({@code data.maxBytes}), or -1 if the answer lacks it. */
    public long maxBytes() {
      return data().get(MAX_BYTES) instanceof Number max ? max.longValue() : -1;
    }

    /** The bytes counted when the count passed the limit ({@code data.atLeastBytes}), or -1 if the answer lacks it. */
    public long atLeastBytes() {
      return data().get(AT_LEAST_BYTES) instanceof Number bytes ? bytes.longValue() : -1;
    }

    /**
     * How many of the jobs or tasks asked for, in the order of the answer (the ids' order, newest
     * first for a list), fit within the limit ({@code data.fit}); -1 if the answer lacks it.
     */
    public int fit() {
      return data().get(FIT) instanceof Integer fit ? fit : -1;
    }
  }

  /**
   * STORE_UNAVAILABLE: the master's store could not write the change (a full disk, an I/O error);
   * nothing was accepted. Retry once the master's {@code /health} no longer says its store is failing.
   */
  public static final class StoreUnavailable extends AdminResponseException {
    public StoreUnavailable(int httpStatus, String message, Map<String, Object> data) {
      super(AdminErrorCode.STORE_UNAVAILABLE, httpStatus, AdminErrorCode.STORE_UNAVAILABLE.code(), message, data);
    }
  }
}
