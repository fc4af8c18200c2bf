package dev.taskwire.master.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a job that depends on others ({@link JobOptions#after()}) gets their results: the data its
 * attempts send is made from its own data and its upstreams' results, once every upstream has
 * completed.
 *
 * <p>{@link #NEST} is the default because it cannot change anything the job was given: its
 * upstreams' results go under one new key. {@link #MERGE} is ShotGrid's rule (upstream results
 * become named parameters), convenient when a downstream is written to take them so, but an
 * upstream's entry replaces the job's own entry of the same name.
 */
public enum Passing {
  /**
   * The data gets {@code "upstream": {"<name or id>": <result>, ...}}, one entry per upstream in
   * the order given, keyed by its {@link JobOptions#name() name} or, without one, its id. A job
   * whose own data has an {@value #NEST_KEY} entry is refused at submit.
   */
  NEST,
  /**
   * Each upstream's result entries are added to the data, in the order the upstreams were given,
   * later ones winning, and winning over the job's own entries of the same name.
   */
  MERGE,
  /** Ordering only: the data is sent as it was given. */
  NONE;

  /** The key {@link #NEST} puts upstream results under. */
  public static final String NEST_KEY = "upstream";

  /**
   * The data to send: {@code data} with {@code results} passed this way. {@code keys} names each
   * upstream for {@link #NEST}, in the same order as {@code results}.
   */
  Map<String, Object> apply(Map<String, Object> data, List<String> keys, List<Map<String, Object>> results) {
    switch (this) {
      case NONE -> {
        return data;
      }
      case NEST -> {
        Map<String, Object> nested = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
          nested.put(keys.get(i), results.get(i));
        }
        Map<String, Object> sent = new LinkedHashMap<>(data);
        sent.put(NEST_KEY, Collections.unmodifiableMap(nested));
        return Collections.unmodifiableMap(sent);
      }
      default -> {
        Map<String, Object> sent = new LinkedHashMap<>(data);
        for (Map<String, Object> result : results) {
          if (result != null) {
            sent.putAll(result);
          }
        }
        return Collections.unmodifiableMap(sent);
      }
    }
  }
}
