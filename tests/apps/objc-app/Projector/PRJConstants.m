#import "PRJConstants.h"

NSString *const PRJCleanupTaskID = @"io.cocoabytes.projector.cleanup";
