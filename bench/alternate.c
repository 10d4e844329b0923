/* alternate: run commands round-robin and time each run.
 *
 *   alternate RUNS WARMUP -- LABEL CMD [ARG]... [::: LABEL CMD [ARG]...]...
 *
 * Each round runs every command once (the first command of a round rotates,
 * so that no command always follows the same one), with stdout and stdin on
 * /dev/null and stderr appended to $ALTERNATE_STDERR (or /dev/null).  WARMUP
 * rounds are run first and not reported.  For each reported run one line:
 *   LABEL <TAB> ROUND <TAB> WALL-NS <TAB> MAXRSS-KB <TAB> STATUS
 * WALL-NS is fork to wait4 (CLOCK_MONOTONIC); MAXRSS-KB is the child's
 * ru_maxrss from wait4 (its peak RSS, after exec).  Built by bench/discovery.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd
{
  const char *label;
  char **argv;
};

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
run_one (struct cmd *c, long long *ns, long *rss_kb)
{
  const char *errpath = getenv ("ALTERNATE_STDERR");
  struct rusage ru;
  int status;
  long long t0 = now_ns ();
  pid_t pid = fork ();

  if (pid < 0)
    {
      perror ("fork");
      exit (1);
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      int err = errpath ? open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644) : null;
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (err < 0 ? null : err, 2);
      execvp (c->argv[0], c->argv);
      _exit (127);
    }
  if (wait4 (pid, &status, 0, &ru) < 0)
    {
      perror ("wait4");
      exit (1);
    }
  *ns = now_ns () - t0;
  *rss_kb = ru.ru_maxrss;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int
main (int argc, char **argv)
{
  struct cmd cmds[16];
  int n = 0, runs, warmup, i;

  if (argc < 6 || strcmp (argv[3], "--") != 0)
    {
      fprintf (stderr, "usage: alternate RUNS WARMUP -- LABEL CMD [ARG]... [::: LABEL CMD...]...\n");
      return 2;
    }
  runs = atoi (argv[1]);
  warmup = atoi (argv[2]);
  for (i = 4; i < argc && n < 16;)
    {
      cmds[n].label = argv[i++];
      cmds[n].argv = &argv[i];
      while (i < argc && strcmp (argv[i], ":::") != 0)
        i++;
      if (i < argc)
        argv[i++] = NULL;
      if (!cmds[n].argv[0])
        {
          fprintf (stderr, "alternate: %s: no command\n", cmds[n].label);
          return 2;
        }
      n++;
    }
  for (int r = 0; r < warmup + runs; r++)
    for (int k = 0; k < n; k++)
      {
        struct cmd *c = &cmds[(r + k) % n];
        long long ns;
        long rss;
        int st = run_one (c, &ns, &rss);
        if (r >= warmup)
          printf ("%s\t%d\t%lld\t%ld\t%d\n", c->label, r - warmup, ns, rss, st);
      }
  return 0;
}
