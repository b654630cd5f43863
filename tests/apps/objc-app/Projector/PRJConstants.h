#import <Foundation/Foundation.h>

#define PRJRefreshTaskID @"io.cocoabytes.projector.refresh"

extern NSString *const PRJCleanupTaskID;
