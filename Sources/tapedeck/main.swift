import Glibc
import TapedeckCommand

exit(TapedeckCommand.main(Array(CommandLine.arguments.dropFirst())))
