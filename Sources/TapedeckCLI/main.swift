import Glibc
import Tapedeck

exit(TapedeckCommand.main(Array(CommandLine.arguments.dropFirst())))
