# Sourced by ./jamba and ./run-tests: finds a JDK >= 25 and exports JAVA_HOME, or exits with what to install.
# Order: $JAVA_HOME if it is >= 25, else the newest JDK >= 25 in the system's JVM folder(s).

jamba4j_java_major() { # prints the feature version of the java binary $1, or 0
    local v
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
    case "$v" in
        1.*) echo 1 ;;
        [0-9]*) echo "${v%%.*}" ;;
        *) echo 0 ;;
    esac
}

jamba4j_find_jdk() {
    local want=25 cand best="" best_major=0 major
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        major=$(jamba4j_java_major "$JAVA_HOME/bin/java")
        if [ "$major" -ge "$want" ]; then
            return 0
        fi
    fi
    for cand in /usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
        [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
        major=$(jamba4j_java_major "$cand/bin/java")
        if [ "$major" -ge "$want" ] && [ "$major" -gt "$best_major" ]; then
            best="$cand"
            best_major=$major
        fi
    done
    if [ -z "$best" ]; then
        echo "jamba4j needs a JDK 25 or newer (with jdk.incubator.vector), and none was found:" >&2
        echo "  JAVA_HOME=${JAVA_HOME:-<unset>} is not >= 25, and /usr/lib/jvm holds no JDK >= 25." >&2
        echo "Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or from https://adoptium.net," >&2
        echo "then set JAVA_HOME to it or leave it in /usr/lib/jvm." >&2
        exit 3
    fi
    export JAVA_HOME="$best"
}

jamba4j_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's bundled Guava touches sun.misc.Unsafe, which JDK >= 23 warns about on every build; allow it quietly.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
