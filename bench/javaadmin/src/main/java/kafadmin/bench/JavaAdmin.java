package kafadmin.bench;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Makes the failover table's calls with Apache Kafka's Java AdminClient, the
 * reference for correct failover, for the bench program.
 *
 * <p>Arguments: the bootstrap servers, then client properties as key=value
 * (everything else is the AdminClient's default). The first line on standard
 * output is {"ready":true,"version":"..."} once the client exists (or
 * {"ready":false,"error":"..."}). Then each line on standard input is a request,
 * {"id":N,"op":"describe"|"fetch"|"list"|"lag","groups":[...],"timeout_ms":M},
 * served at once on a thread of its own, and answered with one line carrying
 * the same id, in the order the answers come:
 *
 * <ul>
 *   <li>describe: {"id":N,"groups":{"g":{"state":"Stable","members":[{"instance_id":"i","client_id":"c","assigned":6}]}}}
 *   <li>fetch: {"id":N,"offsets":{"g":{"topic":{"0":5}}}}
 *   <li>list: {"id":N,"listed":["g",...]}
 *   <li>lag: {"id":N,"lag":{"topic":{"0":{"committed":5,"end":20,"lag":15}}}}
 * </ul>
 *
 * <p>Every error the client reports, the call's or one group's, is in the
 * answer's "error" field, and results are then partial. The program ends when
 * its standard input closes.
 */
public final class JavaAdmin {
    private JavaAdmin() {}

    /** The answers, one line each; stdout is kept for them alone. */
    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        // Anything a library might print goes to standard error.
        System.setOut(System.err);
        if (args.length < 1) {
            System.err.println("usage: JavaAdmin BOOTSTRAP_SERVERS [key=value ...]");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "bench-java");
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("not key=value: " + args[i]);
                System.exit(2);
            }
            props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Admin admin;
        try {
            admin = Admin.create(props);
        } catch (Exception e) {
            write("{\"ready\":false,\"error\":" + quote(String.valueOf(e)) + "}");
            System.exit(1);
            return;
        }
        write("{\"ready\":true,\"version\":" + quote(clientVersion()) + "}");

        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "request");
            t.setDaemon(true);
            return t;
        });
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            String request = line;
            pool.execute(() -> write(serve(admin, request)));
        }
        pool.shutdown();
        pool.awaitTermination(15, TimeUnit.SECONDS);
        admin.close(Duration.ofSeconds(5));
        OUT.flush();
        System.exit(0);
    }

    /** clientVersion is the version of kafka-clients, from the properties file its jar carries. */
    private static String clientVersion() {
        Properties p = new Properties();
        try (java.io.InputStream in = Admin.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    private static synchronized void write(String line) {
        OUT.print(line);
        OUT.print('\n');
        OUT.flush();
    }

    /** serve makes one request's call and returns its answer. */
    static String serve(Admin admin, String line) {
        long id = -1;
        try {
            Map<String, Object> req = Json.object(line);
            id = ((Number) req.getOrDefault("id", -1L)).longValue();
            String op = (String) req.get("op");
            List<String> groups = new ArrayList<>();
            Object gs = req.get("groups");
            if (gs instanceof List) {
                for (Object g : (List<?>) gs) {
                    groups.add((String) g);
                }
            }
            int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, ((Number) req.getOrDefault("timeout_ms", 30000L)).longValue()));
            Answer a = new Answer(id);
            switch (String.valueOf(op)) {
                case "describe":
                    describe(admin, groups, timeoutMs, a);
                    break;
                case "fetch":
                    fetch(admin, groups, timeoutMs, a);
                    break;
                case "list":
                    list(admin, timeoutMs, a);
                    break;
                case "lag":
                    if (groups.size() != 1) {
                        throw new IllegalArgumentException("lag takes one group, not " + groups.size());
                    }
                    lag(admin, groups.get(0), timeoutMs, a);
                    break;
                default:
                    throw new IllegalArgumentException("unknown op " + op);
            }
            return a.json();
        } catch (Throwable t) {
            Answer a = new Answer(id);
            a.error(t);
            return a.json();
        }
    }

    /** An answer being built: the result's field and the errors. */
    private static final class Answer {
        final long id;
        String field;
        String value;
        final List<String> errors = new ArrayList<>();

        Answer(long id) {
            this.id = id;
        }

        void error(Throwable t) {
            errors.add(String.valueOf(cause(t)));
        }

        void error(String what, Throwable t) {
            errors.add(what + ": " + cause(t));
        }

        String json() {
            StringBuilder b = new StringBuilder("{\"id\":").append(id);
            if (field != null) {
                b.append(',').append(quote(field)).append(':').append(value);
            }
            if (!errors.isEmpty()) {
                b.append(",\"error\":").append(quote(String.join("; ", errors)));
            }
            return b.append('}').toString();
        }
    }

    private static Throwable cause(Throwable t) {
        while (t instanceof ExecutionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** get waits for a future a little past the call's own timeout. */
    private static <T> T get(KafkaFuture<T> f, int timeoutMs) throws Exception {
        return f.get(timeoutMs + 5000L, TimeUnit.MILLISECONDS);
    }

    static void describe(Admin admin, List<String> groups, int timeoutMs, Answer a) {
        Map<String, KafkaFuture<ConsumerGroupDescription>> described =
                admin.describeConsumerGroups(groups, new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs)).describedGroups();
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, KafkaFuture<ConsumerGroupDescription>> e : new TreeMap<>(described).entrySet()) {
            ConsumerGroupDescription d;
            try {
                d = get(e.getValue(), timeoutMs);
            } catch (Exception ex) {
                a.error("group " + e.getKey(), ex);
                continue;
            }
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(quote(e.getKey())).append(":{\"state\":").append(quote(String.valueOf(d.groupState()))).append(",\"members\":[");
            boolean first = true;
            for (MemberDescription m : d.members()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                b.append("{\"instance_id\":").append(quote(m.groupInstanceId().orElse("")))
                        .append(",\"client_id\":").append(quote(m.clientId()))
                        .append(",\"assigned\":").append(m.assignment().topicPartitions().size()).append('}');
            }
            b.append("]}");
        }
        a.field = "groups";
        a.value = b.append('}').toString();
    }

    static void fetch(Admin admin, List<String> groups, int timeoutMs, Answer a) {
        Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
        for (String g : groups) {
            specs.put(g, new ListConsumerGroupOffsetsSpec());
        }
        // One call for every group, as a user fetching several groups does.
        ListConsumerGroupOffsetsResult r =
                admin.listConsumerGroupOffsets(specs, new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs));
        StringBuilder b = new StringBuilder("{");
        for (String g : specs.keySet()) {
            Map<TopicPartition, OffsetAndMetadata> offsets;
            try {
                offsets = get(r.partitionsToOffsetAndMetadata(g), timeoutMs);
            } catch (Exception ex) {
                a.error("group " + g, ex);
                continue;
            }
            if (b.length() > 1) {
                b.append(',');
            }
            Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                if (e.getValue() != null) {
                    byTopic.computeIfAbsent(e.getKey().topic(), t -> new TreeMap<>()).put(e.getKey().partition(), e.getValue().offset());
                }
            }
            b.append(quote(g)).append(':').append(offsetsJson(byTopic));
        }
        a.field = "offsets";
        a.value = b.append('}').toString();
    }

    private static String offsetsJson(Map<String, Map<Integer, Long>> byTopic) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Map<Integer, Long>> t : byTopic.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(quote(t.getKey())).append(":{");
            boolean first = true;
            for (Map.Entry<Integer, Long> p : t.getValue().entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                b.append('"').append(p.getKey()).append("\":").append(p.getValue());
            }
            b.append('}');
        }
        return b.append('}').toString();
    }

    static void list(Admin admin, int timeoutMs, Answer a) throws Exception {
        // all() fails with the first error of any broker.
        Collection<GroupListing> listed = get(admin.listGroups(new ListGroupsOptions().timeoutMs(timeoutMs)).all(), timeoutMs);
        StringBuilder b = new StringBuilder("[");
        for (GroupListing g : listed) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(quote(g.groupId()));
        }
        a.field = "listed";
        a.value = b.append(']').toString();
    }

    static void lag(Admin admin, String group, int timeoutMs, Answer a) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Map<TopicPartition, OffsetAndMetadata> committed = get(
                admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs)).partitionsToOffsetAndMetadata(),
                timeoutMs);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            if (e.getValue() != null) {
                latest.put(e.getKey(), OffsetSpec.latest());
            }
        }
        int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Map<TopicPartition, ListOffsetsResultInfo> ends = latest.isEmpty()
                ? Map.of()
                : get(admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(left)).all(), left);
        Map<String, Map<Integer, String>> byTopic = new TreeMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
            long c = committed.get(e.getKey()).offset();
            long end = e.getValue().offset();
            byTopic.computeIfAbsent(e.getKey().topic(), t -> new TreeMap<>()).put(e.getKey().partition(),
                    "{\"committed\":" + c + ",\"end\":" + end + ",\"lag\":" + Math.max(0, end - c) + "}");
        }
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Map<Integer, String>> t : byTopic.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(quote(t.getKey())).append(":{");
            boolean first = true;
            for (Map.Entry<Integer, String> p : t.getValue().entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                b.append('"').append(p.getKey()).append("\":").append(p.getValue());
            }
            b.append('}');
        }
        a.field = "lag";
        a.value = b.append('}').toString();
    }

    /** quote returns s as a JSON string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    /** Json parses the requests: objects, arrays, strings, numbers, booleans and null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String s) {
            Json p = new Json(s);
            Object v = p.value();
            p.space();
            if (p.i != s.length()) {
                throw p.error("trailing characters");
            }
            if (!(v instanceof Map)) {
                throw p.error("not an object");
            }
            return (Map<String, Object>) v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("request is not JSON (" + what + " at offset " + i + "): " + s);
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private void expect(char c) {
            space();
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("want '" + c + "'");
            }
            i++;
        }

        private Object value() {
            space();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    space();
                    if (i < s.length() && s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        space();
                        String k = string();
                        expect(':');
                        m.put(k, value());
                        space();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect('}');
                        return m;
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    space();
                    if (i < s.length() && s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        space();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect(']');
                        return l;
                    }
                }
                case '"':
                    return string();
                default:
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    return number();
            }
        }

        private String string() {
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("want a string");
            }
            i++;
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    break;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n':
                        b.append('\n');
                        break;
                    case 't':
                        b.append('\t');
                        break;
                    case 'r':
                        b.append('\r');
                        break;
                    case 'b':
                        b.append('\b');
                        break;
                    case 'f':
                        b.append('\f');
                        break;
                    case 'u':
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default:
                        b.append(e);
                }
            }
            throw error("unterminated string");
        }

        private Number number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            if (n.isEmpty()) {
                throw error("unexpected character");
            }
            try {
                if (n.contains(".") || n.contains("e") || n.contains("E")) {
                    return Double.parseDouble(n);
                }
                return Long.parseLong(n);
            } catch (NumberFormatException ex) {
                throw error("bad number " + n);
            }
        }
    }
}
