/**
 * Imported first by every benchmark, before any module of the functions (the logger reads its
 * level when it is loaded): warnings and errors only, and no AWS SDK notice about the Node
 * version, also when a benchmark runs alone (`npx tsx bench/sweep.ts --n=500`).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
