/*
 * testu01-stdin: runs a TestU01 battery on 32-bit words read from stdin (little-endian, as the bytes
 * come), so any byte stream can be tested without linking its generator.
 *   usage: testu01-stdin smallcrush|crush|bigcrush  < bytes
 * A battery must never test a stream that ran dry (TestU01 would keep calling the generator): on EOF
 * or a read error it stops at once with exit code 3 and says so on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbattery.h"
#include "unif01.h"

#define WORDS 65536u /* a 256 KiB read keeps the per-word cost a memory load */

static uint32_t words[WORDS];
static size_t have, next;
static unsigned long long consumed;

static unsigned int next_word(void)
{
    if (next == have) {
        have = fread(words, sizeof(words[0]), WORDS, stdin);
        next = 0;
        if (have == 0) {
            fflush(stdout);
            fprintf(stderr, "testu01-stdin: %s after %llu bytes: the battery needs more input\n",
                    ferror(stdin) ? "read error" : "end of input", consumed);
            exit(3);
        }
    }
    consumed += sizeof(words[0]);
    return words[next++];
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: testu01-stdin smallcrush|crush|bigcrush < bytes\n");
        return 2;
    }
    void (*battery)(unif01_Gen *);
    if (strcmp(argv[1], "smallcrush") == 0)
        battery = bbattery_SmallCrush;
    else if (strcmp(argv[1], "crush") == 0)
        battery = bbattery_Crush;
    else if (strcmp(argv[1], "bigcrush") == 0)
        battery = bbattery_BigCrush;
    else {
        fprintf(stderr, "testu01-stdin: unknown battery '%s'\n", argv[1]);
        return 2;
    }
    unif01_Gen *gen = unif01_CreateExternGenBits("stdin", next_word);
    battery(gen);
    unif01_DeleteExternGenBits(gen);
    /* The battery's report is buffered on stdout; flushed first, this line cannot land inside it (a
     * summary line split by it would be lost to the parser). */
    fflush(stdout);
    fprintf(stderr, "testu01-stdin: consumed %llu bytes\n", consumed);
    return 0;
}
