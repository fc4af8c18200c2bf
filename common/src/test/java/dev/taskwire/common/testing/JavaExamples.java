package dev.taskwire.common.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a Java example of the docs exactly as printed, a complete compilation unit with its
 * imports, against the test classpath, and runs its {@code main}, as a reader who pastes it into
 * {@code Example.java} and runs {@code java -cp master/target/taskwire-master.jar Example.java} would.
 */
public final class JavaExamples {
  /** The folders examples were compiled into: removed when the test JVM exits (classes load lazily until then). */
  private static final List<Path> FOLDERS = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> FOLDERS.forEach(JavaExamples::delete), "doc-examples-cleanup"));
  }

  private JavaExamples() {}

  /**
   * Compiles {@code block} (with {@code -Xlint:all -Werror}: an example compiles cleanly) into a
   * folder of its own and loads its public class with a loader whose parent is the test's, so that
   * it sees the same Taskwire classes as the test.
   *
   * @throws AssertionError naming the doc and line if it does not compile
   */
  public static Class<?> compile(DocBlocks.Block block) {
    String className = block.publicClass();
    if (className == null) {
      throw new AssertionError(block.where() + ": a Java example must declare a public class");
    }
    try {
      Path dir = Files.createTempDirectory("taskwire-doc-example-");
      FOLDERS.add(dir);
      Path source = dir.resolve(className + ".java");
      Files.writeString(source, block.text());
      JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
      StringWriter messages = new StringWriter();
      try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
        Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(source.toFile());
        List<String> options = List.of("-classpath", testClassPath(), "-d", dir.toString(), "-Xlint:all", "-Werror",
            "-encoding", "UTF-8");
        if (!compiler.getTask(messages, files, null, options, null, units).call()) {
          throw new AssertionError(block.where() + ": the example does not compile as printed:\n" + messages);
        }
      }
      URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, JavaExamples.class.getClassLoader());
      return loader.loadClass(className);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(block.where() + ": compiled, but no class " + className, e);
    }
  }

  /**
   * Runs {@code type.main(args)} on this thread with {@code System.out} captured (the lines the
   * example printed, from any thread, while it ran); an exception it throws is rethrown as is.
   */
  public static List<String> runMain(Class<?> type, String... args) throws Exception {
    Method main = type.getMethod("main", String[].class);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    // Tests of one module run one after another, so no other test prints meanwhile.
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception exception) {
        throw exception;
      }
      throw e;
    } finally {
      System.out.flush();
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /**
   * The test classpath. Surefire and Failsafe run tests from a JAR whose manifest names it, and
   * hand it over in {@code surefire.test.class.path}; {@code java.class.path} otherwise.
   */
  static String testClassPath() {
    String path = System.getProperty("surefire.test.class.path");
    return path != null && !path.isBlank() ? path : System.getProperty("java.class.path", "");
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind
    }
  }
}
