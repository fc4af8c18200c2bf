package dev.taskwire.master.cli;

import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Passing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import picocli.CommandLine;

/**
 * A workflow file for {@code submit --file}: JSON lines {@code {"data": {...}, "name": "b",
 * "after": ["a"]}}, each a job whose {@code after} names the lines it runs after, read whole into
 * memory and checked as a graph before anything is submitted.
 *
 * <p>Which files are workflow files ({@link #shapeOf}): a file is one when some line is an object
 * whose keys are {@code "data"} (an object) and {@code "name"} or {@code "after"} or both, and
 * no other. Every line of a workflow file must then have that shape ({@code {"data": {...}}}
 * alone being a line with no name that runs after nothing); any other file is a plain file, each
 * line the job's data as it is, a line {@code {"data": {...}}} included. So a plain file keeps
 * its meaning unless a line of it looks exactly like a workflow line, and a mixed file is an error
 * rather than a guess.
 *
 * <p>The checks, each a usage error naming the line: a name must follow the rule of job names
 * and be unique in the file; {@code after} is a list of names of other lines (before or after it
 * in the file), none twice; with NEST passing, the data of a line with {@code after} has no
 * {@value Passing#NEST_KEY} entry; and the lines form no cycle. {@link #order()} is then the
 * order to submit in: Kahn's, taking the first ready line in the file each time.
 */
final class WorkflowFile {
  /** The keys a workflow line may have. */
  static final Set<String> KEYS = Set.of("data", "name", "after");

  /** What a line of a file looks like. */
  enum Shape {
    /** {@code {"data": {...}}} and nothing else: a workflow line without name or after, or a plain job's data. */
    WRAPPED,
    /** {@code {"data": {...}}} with {@code "name"}, {@code "after"} or both, and nothing else: a workflow line. */
    STEP,
    /** Anything else: a plain job's data. */
    DATA
  }

  /**
   * One line of the file.
   *
   * @param line its number in the file, from 1
   * @param data the job's data
   * @param name its name, null for none
   * @param after the indices (in {@link #steps()}) of the lines it runs after, in the order given
   */
  record Step(int line, Map<String, Object> data, String name, int[] after) {}

  private final List<Step> steps;
  private final int[] order;

  private WorkflowFile(List<Step> steps, int[] order) {
    this.steps = steps;
    this.order = order;
  }

  /** The shape of {@code line}, a JSON object. */
  static Shape shapeOf(Map<String, Object> line) {
    if (!(line.get("data") instanceof Map) || !KEYS.containsAll(line.keySet())) {
      return Shape.DATA;
    }
    return line.size() == 1 ? Shape.WRAPPED : Shape.STEP;
  }

  /** The lines, in file order. */
  List<Step> steps() {
    return steps;
  }

  /** Indices into {@link #steps()}: every line after the lines it runs after, otherwise in file order. */
  int[] order() {
    return order.clone();
  }

  /**
   * Reads {@code file}, a workflow file that passed {@link JobFileRun#check}, and checks its graph,
   * with {@code passing} the mode its lines with {@code after} will have.
   *
   * @throws CommandLine.ParameterException naming the first line that breaks a rule
   */
  static WorkflowFile read(CommandLine commandLine, Path file, Passing passing) {
    List<Step> steps = new ArrayList<>();
    List<List<String>> afterNames = new ArrayList<>();
    Map<String, Integer> byName = new HashMap<>();
    try (JobFileRun.Lines in = JobFileRun.Lines.open(commandLine, file)) {
      String text;
      while ((text = in.next()) != null) {
        if (text.isBlank()) {
          continue;
        }
        int number = in.number();
        Map<String, Object> line = in.parse(text);
        if (shapeOf(line) == Shape.DATA) {
          // The file changed since the first pass.
          throw usage(commandLine, number, "not a workflow line");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) line.get("data");
        String name = nameOf(commandLine, number, line.get("name"));
        List<String> after = afterOf(commandLine, number, line.get("after"));
        try {
          // The scheduler's own rules: the name's characters, no upstream twice, how many upstreams.
          JobOptions.builder().name(name).afterIds(after).build();
        } catch (IllegalArgumentException e) {
          throw usage(commandLine, number, e.getMessage());
        }
        if (!after.isEmpty() && passing == Passing.NEST && data.containsKey(Passing.NEST_KEY)) {
          throw usage(commandLine, number, "the data has an \"" + Passing.NEST_KEY + "\" entry, where passing nest puts"
              + " the upstream results; rename it, or give --passing merge or none");
        }
        if (name != null) {
          Integer taken = byName.putIfAbsent(name, steps.size());
          if (taken != null) {
            throw usage(commandLine, number, "the name \"" + name + "\" is taken by line " + steps.get(taken).line()
                + " (names are unique within a file)");
          }
        }
        steps.add(new Step(number, data, name, null));
        afterNames.add(after);
      }
    }
    List<Step> resolved = new ArrayList<>(steps.size());
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      List<String> names = afterNames.get(i);
      int[] after = new int[names.size()];
      for (int k = 0; k < after.length; k++) {
        Integer upstream = byName.get(names.get(k));
        if (upstream == null) {
          throw usage(commandLine, step.line(), "\"after\" names \"" + names.get(k) + "\", and no line of the file has"
              + " that name");
        }
        after[k] = upstream;
      }
      resolved.add(new Step(step.line(), step.data(), step.name(), after));
    }
    return new WorkflowFile(List.copyOf(resolved), order(commandLine, resolved));
  }

  private static String nameOf(CommandLine commandLine, int number, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String name)) {
      throw usage(commandLine, number, "\"name\" must be a string");
    }
    return name;
  }

  private static List<String> afterOf(CommandLine commandLine, int number, Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw usage(commandLine, number, "\"after\" must be a list of names of other lines");
    }
    return list.stream().map(String.class::cast).toList();
  }

  /**
   * Kahn's algorithm, stable: of the lines whose upstreams are all placed, the first in the file
   * goes next. Lines left over are on a cycle or after one: the cycle is named.
   */
  private static int[] order(CommandLine commandLine, List<Step> steps) {
    int n = steps.size();
    int[] waitingFor = new int[n];
    List<List<Integer>> downstreams = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      downstreams.add(new ArrayList<>(0));
    }
    for (int i = 0; i < n; i++) {
      waitingFor[i] = steps.get(i).after().length;
      for (int upstream : steps.get(i).after()) {
        downstreams.get(upstream).add(i);
      }
    }
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < n; i++) {
      if (waitingFor[i] == 0) {
        ready.add(i);
      }
    }
    int[] order = new int[n];
    int placed = 0;
    while (!ready.isEmpty()) {
      int next = ready.poll();
      order[placed++] = next;
      for (int downstream : downstreams.get(next)) {
        if (--waitingFor[downstream] == 0) {
          ready.add(downstream);
        }
      }
    }
    if (placed < n) {
      throw cycle(commandLine, steps, waitingFor);
    }
    return order;
  }

  /**
   * The usage error naming a cycle among the lines not placed ({@code waitingFor} above 0): each of
   * them waits for at least one other not placed, so walking from one to such an upstream must
   * come back to a line already walked.
   */
  private static CommandLine.ParameterException cycle(CommandLine commandLine, List<Step> steps, int[] waitingFor) {
    int start = 0;
    while (waitingFor[start] == 0) {
      start++;
    }
    Map<Integer, Integer> walked = new LinkedHashMap<>(); // line index -> position in the walk
    List<Integer> path = new ArrayList<>();
    int at = start;
    while (!walked.containsKey(at)) {
      walked.put(at, path.size());
      path.add(at);
      for (int upstream : steps.get(at).after()) {
        if (waitingFor[upstream] > 0) {
          at = upstream;
          break;
        }
      }
    }
    List<Integer> cycle = new ArrayList<>(path.subList(walked.get(at), path.size()));
    // Named from its first line in the file, so that the message does not depend on where the walk began.
    int first = 0;
    for (int k = 1; k < cycle.size(); k++) {
      if (cycle.get(k) < cycle.get(first)) {
        first = k;
      }
    }
    StringBuilder names = new StringBuilder();
    for (int k = 0; k < cycle.size(); k++) {
      Step step = steps.get(cycle.get((first + k) % cycle.size()));
      names.append(k == 0 ? "" : " after ").append(step.name()).append(" (line ").append(step.line()).append(')');
    }
    names.append(" after ").append(steps.get(cycle.get(first)).name());
    return usage(commandLine, steps.get(cycle.get(first)).line(), "\"after\" makes a cycle: " + names);
  }

  private static CommandLine.ParameterException usage(CommandLine commandLine, int number, String message) {
    return JobFileRun.Lines.usage(commandLine, "line " + number + ": " + message);
  }
}
